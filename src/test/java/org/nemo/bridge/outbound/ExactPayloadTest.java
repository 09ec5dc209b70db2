package org.nemo.bridge.outbound;

import java.net.URI;
import java.time.Duration;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.mqtt.HmacEnvelope;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A payload goes out as the database holds it (DESIGN §5, issue 21 row 6): every digit of its
 * numbers and every character of its strings, from the outbox (jsonb: what PostgreSQL prints for
 * it) and from the plugin's queue (text: verbatim), signed or not; a number that cannot be carried
 * exactly goes dead with the reason. Asserted on the bytes a subscriber receives from a real
 * broker (Mosquitto where installed).
 */
@CamelSpringBootTest
@SpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ExactPayloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final String KEY = "lab-shared-secret";
    private static final TestBroker BROKER = TestBroker.local();
    private static final String DATABASE = TestDatabase.create("exact_payload");

    /** Non-ASCII from the Basic Multilingual Plane and beyond (an emoji is two UTF-16 units), escapes, no separators. */
    private static final String TEXT = ("Électron—走査電子顕微鏡 \uD83D\uDD2C Größe ½µm \\\"quoted\\\" back\\\\slash\\ttab\\u0001 ").repeat(8);

    /** Issue 21's numbers and the edge cases around them, as an application writes them. */
    private static final String PAYLOAD = "{\"amount\":0.10000000000000000000001,\"total\":123456789012345678901234567890.5,"
            + "\"huge\":1e400,\"minus_zero\":-0,\"minus_zero_point\":-0.0,\"digits30\":123456789012345678901234567890,"
            + "\"minus_digits30\":-987654321098765432109876543210,\"trailing_zero\":1.10,\"exponent\":1E+2,"
            + "\"small\":1e-7,\"scaled_zero\":0.000,\"plain\":42,\"text\":\"" + TEXT + "\"}";

    static {
        TestDatabase.pluginTablesWithBroker(DATABASE, URI.create(BROKER.url()).getPort());
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> DATABASE);
        registry.add("spring.datasource.username", () -> "postgres");
        // the broker and the HMAC key from the plugin's configuration table, so a test can turn signing on
        registry.add("bridge.mqtt.config-source", () -> "database");
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    BrokerConnection broker;

    JdbcTemplate db;

    @BeforeEach
    void signingOff() throws InterruptedException {
        db = new JdbcTemplate(dataSource);
        hmac(false);
    }

    @Test
    void enqueuedNumbersArriveWithEveryDigitAsTheDatabaseHoldsThem() throws Exception {
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            long id = enqueue("precise", PAYLOAD);

            Received received = display.awaitOne("nemo/events/precise", WAIT);

            String held = jsonbText(id);
            assertThat(received.payload()).isEqualTo(withAddedFields(held, received.payload()));
            // what PostgreSQL's jsonb holds for each of them
            assertThat(held).contains("\"amount\":0.10000000000000000000001,", "\"total\":123456789012345678901234567890.5,",
                    "\"huge\":1" + "0".repeat(400) + ",", "\"minus_zero\":0,", "\"minus_zero_point\":0.0}",
                    "\"digits30\":123456789012345678901234567890,", "\"minus_digits30\":-987654321098765432109876543210,",
                    "\"trailing_zero\":1.10,", "\"exponent\":100,", "\"small\":0.0000001,", "\"scaled_zero\":0.000,",
                    "\"plain\":42,", "Électron—走査電子顕微鏡 \uD83D\uDD2C Größe ½µm",
                    "\\\"quoted\\\" back\\\\slash\\ttab\\u0001 ");
            awaitStatus(id, "published");
        }
    }

    @Test
    void signedEventsCarryTheExactNumbersInTheirInnerJson() throws Exception {
        hmac(true);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            long id = enqueue("precise_signed", PAYLOAD);

            Received received = display.awaitOne("nemo/events/precise_signed", WAIT);

            String inner = received.json().path("payload").asText();
            assertThat(inner).isEqualTo(withAddedFields(jsonbText(id), inner));
            assertThat(received.payload()).isEqualTo(envelope(inner));
            awaitStatus(id, "published");
        }
    }

    @Test
    void pluginQueueRowsGoOutVerbatimSignedOrNot() throws InterruptedException {
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            pluginWrites("nemo/lab/precise", PAYLOAD);
            assertThat(display.awaitOne("nemo/lab/precise", WAIT).payload()).isEqualTo(PAYLOAD);

            hmac(true);
            pluginWrites("nemo/lab/precise_signed", PAYLOAD);
            assertThat(display.awaitOne("nemo/lab/precise_signed", WAIT).payload()).isEqualTo(envelope(PAYLOAD));
        }
    }

    @Test
    void aNumberThatCannotBeCarriedExactlyGoesDeadWithTheReasonAndTheRowBehindIsPublished() {
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            long tooLong = enqueue("too_long", "{\"n\":1e1000}");
            long behind = enqueue("behind", "{\"n\":1e999}");

            Received received = display.awaitOne("nemo/events/behind", WAIT);

            assertThat(received.json().path("n").toString()).isEqualTo("1" + "0".repeat(999));
            awaitStatus(tooLong, "dead");
            assertThat(db.queryForObject("SELECT last_error FROM mqtt_bridge.outbox WHERE id = ?", String.class, tooLong))
                    .contains("cannot be carried exactly").contains("1001");
            assertThat(display.on("nemo/events/too_long")).isEmpty();
            awaitStatus(behind, "published");
        }
    }

    private long enqueue(String eventType, String payload) {
        return db.queryForObject("SELECT mqtt_bridge.enqueue(?, ?::jsonb)", Long.class, eventType, payload);
    }

    private void pluginWrites(String topic, String payload) {
        db.queryForObject("WITH row AS (INSERT INTO nemo_mqtt_mqtt_eventqueue (topic, payload, qos, retain, processed, created_at)"
                + " VALUES (?, ?, 1, false, false, now()) RETURNING id) SELECT pg_notify('nemo_mqtt_events', id::text) FROM row",
                Object.class, topic, payload);
    }

    /** The row's payload as PostgreSQL prints its jsonb, without the blank it writes after each ',' and ':'. */
    private String jsonbText(long id) {
        String text = db.queryForObject("SELECT payload::text FROM mqtt_bridge.outbox WHERE id = ?", String.class, id);
        StringBuilder compact = new StringBuilder(text.length());
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            compact.append(c);
            if (inString && c == '\\') {
                compact.append(text.charAt(++i));
            } else if (c == '"') {
                inString = !inString;
            } else if (!inString && (c == ',' || c == ':') && text.charAt(i + 1) == ' ') {
                i++;
            }
        }
        return compact.toString();
    }

    /** The database's payload with the event_id and timestamp the bridge adds to every event, as it sent them. */
    private static String withAddedFields(String held, String sent) throws Exception {
        JsonNode added = JSON.readTree(sent);
        return held.substring(0, held.length() - 1) + ",\"event_id\":\"" + added.path("event_id").asText()
                + "\",\"timestamp\":\"" + added.path("timestamp").asText() + "\"}";
    }

    /** The plugin's envelope of exactly this inner JSON, as a subscriber with the key recomputes it. */
    private static String envelope(String inner) {
        return "{\"payload\": " + HmacEnvelope.pythonJsonString(inner) + ", \"hmac\": \"" + HmacEnvelope.hmacSha256Hex(KEY, inner)
                + "\", \"algo\": \"sha256\"}";
    }

    private void hmac(boolean on) throws InterruptedException {
        db.update("UPDATE nemo_mqtt_mqttconfiguration SET use_hmac = ?, hmac_secret_key = ?, updated_at = now()", on, on ? KEY : null);
        db.execute("NOTIFY nemo_mqtt_reload");
        long deadline = System.currentTimeMillis() + 10_000;
        while ((broker.hmacKey() != null) != on || !broker.isConnected()) {
            assertThat(System.currentTimeMillis()).as("HMAC " + (on ? "on" : "off")).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private void awaitStatus(long id, String status) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (!status.equals(db.queryForObject("SELECT status FROM mqtt_bridge.outbox WHERE id = ?", String.class, id))) {
            assertThat(System.currentTimeMillis()).as("outbox row " + id + " " + status).isLessThan(deadline);
            OutboundContract.sleep(100);
        }
    }
}
