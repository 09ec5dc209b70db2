package org.nemo.bridge.inbound;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.LiveHeap;
import org.nemo.bridge.support.Publisher;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;

import static org.assertj.core.api.Assertions.assertThat;
import org.nemo.bridge.config.InboundProperties;
import org.nemo.bridge.wire.WireTime;

/**
 * The inbound contract (DESIGN §7), end to end: a real MQTT 5 broker, the service's routes,
 * a real PostgreSQL. Machines and services publish; the tests read the rows a user would
 * query and the retained status a dashboard would see. Run once per broker by its subclasses.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
abstract class InboundContract {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final String ISO_UTC = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\+00:00";
    static final Duration OFFLINE_AFTER = Duration.ofSeconds(2);
    static final Duration CHECK_EVERY = Duration.ofMillis(500);
    static final int MAX_PAYLOAD = 4096;
    static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    JdbcTemplate db;

    @Autowired
    CamelContext camel;

    @Value("${spring.datasource.url}")
    String databaseUrl;

    abstract TestBroker broker();

    /** The readings the broker queues for the burst test. */
    int burstReadings() {
        return 50_000;
    }

    @Autowired
    org.springframework.context.ApplicationContext context;

    /**
     * The inbound sessions connect in the background after start; a first-ever session holds
     * nothing published before it subscribed, so the tests wait for both to be up.
     */
    @org.junit.jupiter.api.BeforeEach
    void inboundSessionsUp() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        for (String route : new String[] {"telemetry-ingest", "envelope-ingest"}) {
            while (!InboundLimitsTest.connected(camel, route)) {
                assertThat(System.currentTimeMillis()).as(route + " session connected").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    static void register(DynamicPropertyRegistry registry, TestBroker broker, String databaseUrl, String clientId) {
        registry.add("spring.datasource.url", () -> databaseUrl);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("bridge.mqtt.broker-url", broker::url);
        registry.add("bridge.mqtt.client-id", () -> clientId);
        registry.add("bridge.mqtt.max-reconnect-delay", () -> "1s");
        registry.add("bridge.inbound.machine-offline-after", OFFLINE_AFTER::toString);
        registry.add("bridge.inbound.liveness-check-interval", CHECK_EVERY::toString);
        registry.add("bridge.inbound.max-payload-bytes", () -> String.valueOf(MAX_PAYLOAD));
    }

    // ---- telemetry rules, one case per rule: the message and the row (or rejection) it becomes

    /** What a telemetry case expects: a stored reading, or a rejection whose reason contains the text. */
    record Telemetry(String level, byte[] payload, String machineId, Double temperature, Double humidity, Double vibration,
                     String measuredAt, String extra, String rejection) {

        static Telemetry row(String level, String payload, String machineId, Double t, Double h, Double v, String measuredAt,
                             String extra) {
            return new Telemetry(level, payload.getBytes(StandardCharsets.UTF_8), machineId, t, h, v, measuredAt, extra, null);
        }

        static Telemetry rejected(String level, byte[] payload, String reason) {
            return new Telemetry(level, payload, null, null, null, null, null, null, reason);
        }

        static Telemetry rejected(String level, String payload, String reason) {
            return rejected(level, payload.getBytes(StandardCharsets.UTF_8), reason);
        }

        String topic() {
            return "factory/machine/" + level + "/telemetry";
        }
    }

    /** measuredAt "received": the receive time replaced the payload's. */
    static final String RECEIVED = "received";

    static List<Telemetry> telemetryCases() {
        return List.of(
                Telemetry.row("t01", "{\"machine_id\":\"  ESP32-A \",\"temperature\":21.5,\"humidity\":40,\"vibration\":0.02,"
                        + "\"timestamp\":\"2026-03-01T10:00:00+00:00\"}", "esp32-a", 21.5, 40.0, 0.02, "2026-03-01T10:00:00Z", "{}"),
                Telemetry.row("T02-PLC", "{\"temperature\":19}", "t02-plc", 19.0, null, null, RECEIVED, "{}"),
                Telemetry.row("t03", "{\"machine_id\":\"   \",\"humidity\":55.5}", "t03", null, 55.5, null, RECEIVED, "{}"),
                Telemetry.row("t04", "{\"machine_id\":42,\"vibration\":1}", "42", null, null, 1.0, RECEIVED, "{}"),
                Telemetry.row("t05", "{\"temperature\":\"21.5\",\"humidity\":true,\"vibration\":null}", "t05", null, null, null,
                        RECEIVED, "{}"),
                Telemetry.row("t06", "{}", "t06", null, null, null, RECEIVED, "{}"),
                Telemetry.row("t07", "{\"temperature\":1e400}", "t07", null, null, null, RECEIVED, "{}"),
                Telemetry.row("t08", "{\"timestamp\":\"2024-12-31T23:59:59Z\"}", "t08", null, null, null, RECEIVED, "{}"),
                Telemetry.row("t09", "{\"timestamp\":\"yesterday\"}", "t09", null, null, null, RECEIVED, "{}"),
                Telemetry.row("t10", "{\"timestamp\":0}", "t10", null, null, null, RECEIVED, "{}"),
                Telemetry.row("t11", "{\"timestamp\":1767225600}", "t11", null, null, null, "2026-01-01T00:00:00Z", "{}"),
                Telemetry.row("t12", "{\"timestamp\":1767225600123}", "t12", null, null, null, "2026-01-01T00:00:00.123Z", "{}"),
                Telemetry.row("t13", "{\"timestamp\":\"2026-02-02T02:02:02\"}", "t13", null, null, null, "2026-02-02T02:02:02Z", "{}"),
                Telemetry.row("t14", "{\"timestamp\":\"2026-02-02T03:02:02.5+01:00\"}", "t14", null, null, null,
                        "2026-02-02T02:02:02.500Z", "{}"),
                Telemetry.row("t15", "{\"temperature\":20,\"rpm\":1200,\"pressure\":1.5,\"note\":\"x\",\"flags\":[1],\"on\":true}",
                        "t15", 20.0, null, null, RECEIVED, "{\"rpm\":1200,\"pressure\":1.5}"),
                Telemetry.rejected("t16", new byte[] {'{', '"', (byte) 0xC3, 0x28, '"', ':', '1', '}'}, "payload is not UTF-8"),
                Telemetry.rejected("t17", "temperature=21".getBytes(StandardCharsets.UTF_8), "payload is not JSON"),
                Telemetry.rejected("t18", "[1,2]", "payload is not a JSON object"),
                Telemetry.rejected("t19", "{} trailing", "payload is not JSON"),
                Telemetry.rejected("t20", "{\"machine_id\":\"a/b\"}", "cannot be a topic level"),
                Telemetry.rejected("t21", "{\"machine_id\":\"a\\u0000b\"}", "cannot be a topic level"),
                Telemetry.rejected("t22", "température".getBytes(StandardCharsets.ISO_8859_1), "payload is not UTF-8"),
                Telemetry.rejected("t23", "{\"blob\":\"" + "x".repeat(MAX_PAYLOAD) + "\"}", "bridge.inbound.max-payload-bytes"),
                Telemetry.rejected("t24", new byte[0], "payload is empty"));
    }

    @Test
    void everyTelemetryRuleGivesTheExpectedRowOrRejection() throws Exception {
        List<Telemetry> cases = telemetryCases();
        try (Publisher machine = new Publisher(broker().url())) {
            for (Telemetry c : cases) {
                machine.publish(c.topic(), c.payload());
            }
        }
        awaitCount("SELECT (SELECT count(*) FROM mqtt_bridge.telemetry WHERE topic LIKE 'factory/machine/t__/telemetry' "
                + "OR topic = 'factory/machine/T02-PLC/telemetry') + (SELECT count(*) FROM mqtt_bridge.telemetry_rejected "
                + "WHERE topic LIKE 'factory/machine/t__/telemetry')", cases.size());
        for (Telemetry c : cases) {
            if (c.rejection() != null) {
                Map<String, Object> row = db.queryForMap("SELECT * FROM mqtt_bridge.telemetry_rejected WHERE topic = ?", c.topic());
                assertThat((String) row.get("reason")).as(c.level()).contains(c.rejection());
                if (c.payload().length <= MAX_PAYLOAD && c.payload().length > 0) {
                    assertThat((byte[]) row.get("payload")).as(c.level() + " keeps the bytes").isEqualTo(c.payload());
                }
                assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE topic = ?", Integer.class,
                        c.topic())).as(c.level()).isZero();
                continue;
            }
            Map<String, Object> row = db.queryForMap("SELECT * FROM mqtt_bridge.telemetry WHERE topic = ?", c.topic());
            assertThat(row.get("machine_id")).as(c.level()).isEqualTo(c.machineId());
            assertThat(row.get("temperature")).as(c.level() + " temperature").isEqualTo(c.temperature());
            assertThat(row.get("humidity")).as(c.level() + " humidity").isEqualTo(c.humidity());
            assertThat(row.get("vibration")).as(c.level() + " vibration").isEqualTo(c.vibration());
            Instant measured = ((Timestamp) row.get("measured_at")).toInstant();
            Instant received = ((Timestamp) row.get("received_at")).toInstant();
            if (RECEIVED.equals(c.measuredAt())) {
                assertThat(measured).as(c.level() + " measured_at").isEqualTo(received);
                assertThat(row.get("timestamp_replaced")).as(c.level()).isEqualTo(true);
            } else {
                assertThat(measured).as(c.level() + " measured_at").isEqualTo(Instant.parse(c.measuredAt()));
                assertThat(row.get("timestamp_replaced")).as(c.level()).isEqualTo(false);
            }
            assertThat(JSON.readTree(row.get("extra").toString())).as(c.level() + " extra").isEqualTo(JSON.readTree(c.extra()));
        }
    }

    /**
     * A machine whose clock is a century ahead (or says year 200000) would otherwise stay its
     * machine's latest reading until then: such a reading is stored at the receive time, its
     * own time kept beside it with the reason; a clock a minute ahead is believed.
     */
    @Test
    void aReadingFromTheFutureIsStoredWithTheReceiveTime() {
        Instant sent = Instant.now();
        String aMinuteAhead = sent.plus(Duration.ofMinutes(1)).truncatedTo(ChronoUnit.MILLIS).toString();
        try (Publisher machine = new Publisher(broker().url())) {
            machine.publish("factory/machine/future-1/telemetry", "{\"temperature\":20,\"timestamp\":\"2126-01-01T00:00:00Z\"}");
            machine.publish("factory/machine/future-2/telemetry", "{\"temperature\":21,\"timestamp\":\"+200000-01-01T00:00:00Z\"}");
            machine.publish("factory/machine/future-3/telemetry", "{\"temperature\":22,\"timestamp\":\"" + aMinuteAhead + "\"}");
        }
        awaitCount("SELECT count(*) FROM mqtt_bridge.telemetry WHERE topic ~ '^factory/machine/future-[123]/telemetry$'", 3);
        Instant stored = Instant.now();
        for (String machine : List.of("future-1", "future-2")) {
            Map<String, Object> row = db.queryForMap("SELECT * FROM mqtt_bridge.telemetry WHERE machine_id = ?", machine);
            Instant measured = ((Timestamp) row.get("measured_at")).toInstant();
            assertThat(measured).as(machine + " measured_at").isEqualTo(((Timestamp) row.get("received_at")).toInstant())
                    .isBetween(sent.minusSeconds(1), stored);
            assertThat(row.get("timestamp_replaced")).as(machine).isEqualTo(true);
            assertThat(row.get("timestamp_rejected")).as(machine).isEqualTo(TelemetryRules.AHEAD);
        }
        assertThat(db.queryForList("SELECT reported_timestamp FROM mqtt_bridge.telemetry WHERE machine_id IN ('future-1', 'future-2')"
                + " ORDER BY machine_id", String.class)).containsExactly("2126-01-01T00:00:00Z", "+200000-01-01T00:00:00Z");
        Map<String, Object> believed = db.queryForMap("SELECT * FROM mqtt_bridge.telemetry WHERE machine_id = 'future-3'");
        assertThat(((Timestamp) believed.get("measured_at")).toInstant()).isEqualTo(Instant.parse(aMinuteAhead));
        assertThat(believed.get("timestamp_replaced")).isEqualTo(false);
        assertThat(believed.get("reported_timestamp")).isNull();
    }

    // ---- envelopes

    record Envelope(String name, byte[] payload, String reason) {

        static Envelope valid(String name, String json) {
            return new Envelope(name, json.getBytes(StandardCharsets.UTF_8), null);
        }

        static Envelope invalid(String name, String json, String reason) {
            return new Envelope(name, json.getBytes(StandardCharsets.UTF_8), reason);
        }

        String topic() {
            return "nemo/inbound/" + name;
        }
    }

    static List<Envelope> envelopeCases() {
        return List.of(
                Envelope.valid("e01", "{\"schema\":\"interservice.envelope.v1\",\"message_id\":\"e01\",\"message_type\":\"request\","
                        + "\"request_id\":\"q-1\",\"reply_to\":\"svc/a/replies\",\"source_service\":\"svc-a\",\"payload\":{\"x\":1}}"),
                Envelope.valid("e02", "{\"message_id\":\" e02 \",\"message_type\":\"Response\",\"request_id\":\"q-1\",\"status\":\" SUCCESS \"}"),
                Envelope.valid("e03", "{\"message_id\":\"e03\",\"message_type\":\"event\",\"event_type\":\"door_opened\","
                        + "\"topic\":\"lab/doors\",\"payload\":[1,2]}"),
                Envelope.valid("e04", "{\"message_id\":\"e04\",\"message_type\":\"response\",\"request_id\":\"q-2\",\"status\":\"error\"}"),
                Envelope.invalid("e05", "{\"message_id\":\"e05\",\"message_type\":\"request\",\"request_id\":\"q\"}",
                        "a request needs reply_to"),
                Envelope.invalid("e06", "{\"message_id\":\"e06\",\"message_type\":\"request\",\"reply_to\":\"a/b\"}",
                        "a request needs request_id"),
                Envelope.invalid("e07", "{\"message_id\":\"e07\",\"message_type\":\"request\",\"request_id\":\"q\",\"reply_to\":\"a/#\"}",
                        "is not a topic one can publish to"),
                Envelope.invalid("e08", "{\"message_id\":\"e08\",\"message_type\":\"response\",\"request_id\":\"q\",\"status\":\"maybe\"}",
                        "status 'maybe' is not success or error"),
                Envelope.invalid("e09", "{\"message_id\":\"e09\",\"message_type\":\"response\",\"status\":\"success\"}",
                        "a response needs request_id"),
                Envelope.invalid("e10", "{\"message_id\":\"e10\",\"message_type\":\"response\",\"request_id\":\"q\"}",
                        "a response needs status"),
                Envelope.invalid("e11", "{\"message_id\":\"e11\",\"message_type\":\"event\"}", "an event needs event_type"),
                Envelope.invalid("e12", "{\"message_type\":\"event\",\"event_type\":\"x\"}", "message_id is required"),
                Envelope.invalid("e13", "{\"message_id\":\"e13\",\"message_type\":\"command\"}",
                        "message_type 'command' is not request, response or event"),
                Envelope.invalid("e14", "{\"message_id\":\"e14\"}", "message_type is required"),
                Envelope.invalid("e15", "{\"schema\":\"other.v2\",\"message_id\":\"e15\",\"message_type\":\"event\",\"event_type\":\"x\"}",
                        "schema is 'other.v2'"),
                Envelope.invalid("e16", "hello", "payload is not JSON"),
                Envelope.invalid("e17", "{\"message_id\":\"e17\",\"message_type\":\"event\",\"event_type\":\"x\",\"payload\":\"a\\u0000\"}",
                        "NUL"),
                Envelope.invalid("e18", "{\"message_id\":{\"a\":1},\"message_type\":\"event\",\"event_type\":\"x\"}",
                        "message_id must be a string"),
                new Envelope("e19", new byte[] {(byte) 0xFF, (byte) 0xFE}, "payload is not UTF-8"));
    }

    @Test
    void everyEnvelopeRuleStoresTheMessageOrKeepsItWithTheReason() throws Exception {
        List<Envelope> cases = envelopeCases();
        try (Publisher service = new Publisher(broker().url())) {
            for (Envelope c : cases) {
                service.publish(c.topic(), c.payload());
            }
        }
        awaitCount("SELECT count(*) FROM mqtt_bridge.inbox WHERE received_on ~ '^nemo/inbound/e[0-9]{2}$'", cases.size());
        for (Envelope c : cases) {
            Map<String, Object> row = db.queryForMap("SELECT *, payload::text AS payload_text FROM mqtt_bridge.inbox WHERE received_on = ?",
                    c.topic());
            if (c.reason() == null) {
                assertThat(row.get("valid")).as(c.name() + ": " + row.get("reason")).isEqualTo(true);
                assertThat(row.get("message_id")).isEqualTo(c.name());
                assertThat(row.get("raw")).isNull();
            } else {
                assertThat(row.get("valid")).as(c.name()).isEqualTo(false);
                assertThat((String) row.get("reason")).as(c.name()).contains(c.reason());
                assertThat((byte[]) row.get("raw")).as(c.name() + " keeps the bytes").isEqualTo(c.payload());
            }
        }
        Map<String, Object> request = row("e01");
        assertThat(request).containsEntry("message_type", "request").containsEntry("request_id", "q-1")
                .containsEntry("reply_to", "svc/a/replies").containsEntry("source_service", "svc-a")
                .containsEntry("topic", "nemo/inbound/e01");
        assertThat(JSON.readTree((String) request.get("payload_text"))).isEqualTo(JSON.readTree("{\"x\":1}"));
        assertThat(row("e02")).containsEntry("message_type", "response").containsEntry("status", "success");
        assertThat(row("e03")).containsEntry("event_type", "door_opened").containsEntry("topic", "lab/doors");
    }

    private Map<String, Object> row(String name) {
        return db.queryForMap("SELECT *, payload::text AS payload_text FROM mqtt_bridge.inbox WHERE received_on = ?",
                "nemo/inbound/" + name);
    }

    @Test
    void aMessageIdIsStoredOnceHoweverOftenItArrives() {
        String envelope = "{\"message_id\":\"dup-1\",\"message_type\":\"event\",\"event_type\":\"door_opened\",\"payload\":{\"n\":%d}}";
        try (Publisher service = new Publisher(broker().url())) {
            for (int n = 1; n <= 5; n++) {
                service.publish("nemo/inbound/dup", envelope.formatted(n));
            }
            // an invalid message reusing the id is kept, and does not displace the valid one
            service.publish("nemo/inbound/dup", "{\"message_id\":\"dup-1\",\"message_type\":\"event\"}");
            service.publish("nemo/inbound/dup-done", "{\"message_id\":\"dup-done\",\"message_type\":\"event\",\"event_type\":\"x\"}");
        }
        awaitCount("SELECT count(*) FROM mqtt_bridge.inbox WHERE message_id = 'dup-done'", 1);
        awaitCount("SELECT count(*) FROM mqtt_bridge.inbox WHERE received_on = 'nemo/inbound/dup'", 2);
        assertThat(db.queryForList("SELECT payload->>'n' FROM mqtt_bridge.inbox WHERE message_id = 'dup-1' AND valid", String.class))
                .containsExactly("1");
        assertThat(db.queryForObject("SELECT reason FROM mqtt_bridge.inbox WHERE message_id = 'dup-1' AND NOT valid", String.class))
                .contains("an event needs event_type");
    }

    // ---- fuzz: nothing crashes, every message is accounted for

    @Test
    void thousandsOfRandomPayloadsAreEachStoredOrRejected() {
        Random random = new Random(6);
        int telemetry = 3000;
        int envelopes = 1000;
        try (Publisher noise = new Publisher(broker().url())) {
            for (int i = 0; i < telemetry; i++) {
                noise.publish("factory/machine/fuzz-" + (i % 7) + "/telemetry", fuzz(random, i));
            }
            for (int i = 0; i < envelopes; i++) {
                noise.publish("nemo/inbound/fuzz", fuzz(random, i));
            }
        }
        awaitCount("SELECT (SELECT count(*) FROM mqtt_bridge.telemetry WHERE topic LIKE 'factory/machine/fuzz-_/telemetry')"
                + " + (SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic LIKE 'factory/machine/fuzz-_/telemetry')",
                telemetry);
        awaitCount("SELECT count(*) FROM mqtt_bridge.inbox WHERE received_on = 'nemo/inbound/fuzz'", envelopes);
        assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic LIKE 'factory/machine/fuzz-_/telemetry'"
                + " AND (reason IS NULL OR reason = '')", Integer.class)).isZero();
        assertThat(camel.getRouteController().getRouteStatus("telemetry-ingest").isStarted()).isTrue();
        assertThat(camel.getRouteController().getRouteStatus("envelope-ingest").isStarted()).isTrue();
    }

    /** Random bytes, mangled JSON and JSON with odd values, in about equal parts. */
    static byte[] fuzz(Random random, int i) {
        switch (i % 3) {
            case 0 -> {
                byte[] bytes = new byte[random.nextInt(80)];
                random.nextBytes(bytes);
                return bytes;
            }
            case 1 -> {
                byte[] bytes = ("{\"machine_id\":\"M-" + random.nextInt(5) + "\",\"temperature\":" + random.nextGaussian() * 30
                        + ",\"timestamp\":\"2026-0" + (1 + random.nextInt(9)) + "-01T00:00:00Z\",\"message_id\":\"f" + i
                        + "\",\"message_type\":\"event\",\"event_type\":\"x\"}").getBytes(StandardCharsets.UTF_8);
                for (int flips = random.nextInt(4); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
                return bytes;
            }
            default -> {
                String[] values = {"null", "true", "\"\"", "\"\\u0000\"", "-0", "1e999", "[]", "{}", "\"2024-01-01\"", "123456789012345",
                        "\"  Mixed Case  \"", "\"a/b\"", "\"#\"", "1.5", "\"\\ud800\""};
                StringBuilder json = new StringBuilder("{");
                String[] keys = {"machine_id", "temperature", "humidity", "vibration", "timestamp", "rpm", "\\u0000", "message_id",
                        "message_type", "payload"};
                for (int k = random.nextInt(6); k > 0; k--) {
                    json.append('"').append(keys[random.nextInt(keys.length)]).append("\":")
                            .append(values[random.nextInt(values.length)]).append(k > 1 ? "," : "");
                }
                return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    // ---- liveness

    @Test
    void aSilentMachineGoesOfflineWithinTheWindowAndComesBackOnItsNextMessage() throws Exception {
        String status = "factory/machine/press-7/status";
        try (Subscriber dashboard = new Subscriber(broker().url(), status); Publisher machine = new Publisher(broker().url())) {
            machine.publish("factory/machine/press-7/telemetry", "{\"temperature\":30}");
            JsonNode online = dashboard.awaitOne(status, WAIT).json();
            assertThat(online.path("machine_id").asText()).isEqualTo("press-7");
            assertThat(online.path("online").asBoolean()).isTrue();
            assertThat(online.path("last_seen").asText()).matches(ISO_UTC);

            for (int i = 0; i < 3; i++) {
                Thread.sleep(500);
                machine.publish("factory/machine/press-7/telemetry", "{\"temperature\":31}");
            }
            machine.flush();
            long lastMessage = System.nanoTime();
            List<Received> changes = dashboard.await(r -> r.topic().equals(status), 2, WAIT);
            Duration silence = Duration.ofNanos(changes.get(1).receivedAtNanos() - lastMessage);
            JsonNode offline = changes.get(1).json();
            assertThat(offline.path("online").asBoolean()).isFalse();
            assertThat(silence).as("offline after the window plus one check period")
                    .isLessThanOrEqualTo(OFFLINE_AFTER.plus(CHECK_EVERY).plusMillis(1500));
            assertThat(silence).isGreaterThanOrEqualTo(OFFLINE_AFTER.minusMillis(200));
            Timestamp lastSeen = db.queryForObject("SELECT max(received_at) FROM mqtt_bridge.telemetry WHERE machine_id = 'press-7'",
                    Timestamp.class);
            assertThat(offline.path("last_seen").asText()).isEqualTo(
                    WireTime.format(lastSeen.toInstant()));

            machine.publish("factory/machine/press-7/telemetry", "{\"temperature\":32}");
            JsonNode back = dashboard.await(r -> r.topic().equals(status), 3, WAIT).get(2).json();
            assertThat(back.path("online").asBoolean()).isTrue();
        }
        try (Subscriber late = new Subscriber(broker().url(), status)) {
            Received retained = late.awaitOne(status, WAIT);
            assertThat(retained.retained()).isTrue();
            assertThat(retained.json().path("online").asBoolean()).isTrue();
        }
        assertThat(db.queryForList("SELECT online FROM mqtt_bridge.machine_transition WHERE machine_id = 'press-7' ORDER BY id",
                Boolean.class)).containsExactly(true, false, true);
    }

    // ---- the database goes away for a moment

    @Test
    void connectionsKilledUnderTheStoreLoseNothing() throws Exception {
        JdbcTemplate admin = new JdbcTemplate(TestDatabase.dataSource(databaseUrl));
        int readings = 2000;
        try (Publisher machine = new Publisher(broker().url())) {
            for (int seq = 0; seq < readings; seq++) {
                machine.publish("factory/machine/hiccup/telemetry", "{\"seq\":" + seq + "}");
                if (seq % 400 == 200) {
                    machine.flush();
                    // every connection of the bridge's pool, mid-transaction or idle
                    admin.queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                            + " AND pid <> pg_backend_pid() AND application_name <> 'mqtt-bridge-listener'");
                }
            }
        }
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        String sql = "SELECT count(DISTINCT extra->>'seq') FROM mqtt_bridge.telemetry WHERE topic = 'factory/machine/hiccup/telemetry'";
        while (admin.queryForObject(sql, Integer.class) < readings) {
            assertThat(System.currentTimeMillis()).as("all readings stored").isLessThan(deadline);
            sleep(100);
        }
        assertThat(admin.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/hiccup/telemetry'",
                Integer.class)).as("an outage is not a rejection").isZero();
    }

    // ---- back-pressure and the sustained rate

    /**
     * A coarse guard: the live heap grew 2-5 MB here while the burst drained. It is measured by
     * a class histogram, which counts what survived a full collection; the heap in use some
     * time after a collection also counts what the draining bridge allocated since (20-50 MB
     * in 100 ms at this rate), and that is not held.
     */
    static final long BURST_HEAP_LIMIT = 64L * 1024 * 1024;

    @Autowired
    InboundProperties inbound;

    @Autowired
    InboundBatch inboundBatch;

    /**
     * Absorbed: every reading stored once, none rejected, and the memory a burst costs does not
     * grow with the burst: the rest waits in the broker. The readings the bridge holds at once
     * (counted in the live heap) are at most three batches: one written by the store's thread,
     * one gathering (or written by the session's thread, which completed it while the store's
     * thread was busy) and one the timeout checker completed and writes for the same reason. The
     * session's Receive Maximum would bound them further, but Mosquitto, as these tests run it
     * (max_inflight_messages 0), sends past it: with the aggregate's default pool (one thread,
     * an unbounded queue) 112 completed batches, 20,952 unacknowledged readings, waited at once.
     */
    @Test
    void aBurstOfQueuedReadingsIsAbsorbed() throws Exception {
        int burst = burstReadings();
        int window = InboundConfiguration.receiveMaximum(inbound);
        int held = 3 * inboundBatch.size();
        camel.getRouteController().stopRoute("telemetry-ingest");
        try (Publisher machines = new Publisher(broker().url())) {
            for (int i = 0; i < burst; i++) {
                machines.publish("factory/machine/burst-" + (i % 100) + "/telemetry",
                        "{\"temperature\":" + (20 + i % 10) + ",\"seq\":" + i + "}");
            }
        }
        String stored = "SELECT count(*) FROM mqtt_bridge.telemetry WHERE topic LIKE 'factory/machine/burst-%'";
        Map<String, long[]> before = LiveHeap.classes();
        Map<String, long[]> atPeak = before;
        long heapPeak = 0;
        long heldPeak = 0;
        long start = System.nanoTime();
        startRoute("telemetry-ingest");
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(3).toMillis();
        // every second the rows stored, and what the heap holds after a full collection
        while (db.queryForObject(stored, Integer.class) < burst) {
            assertThat(System.currentTimeMillis()).as("all readings stored").isLessThan(deadline);
            sleep(1000);
            Map<String, long[]> live = LiveHeap.classes();
            heldPeak = Math.max(heldPeak, LiveHeap.count(live, TelemetryReading.class) - LiveHeap.count(before, TelemetryReading.class));
            if (LiveHeap.bytes(live) - LiveHeap.bytes(before) > heapPeak) {
                heapPeak = LiveHeap.bytes(live) - LiveHeap.bytes(before);
                atPeak = live;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("INBOUND RATE on %s: %d queued readings stored in %.1f s = %.0f messages/s; at most %d readings held "
                        + "(window %d, bound %d); live heap %d MB, at most +%d MB while draining%n",
                getClass().getSimpleName(), burst, seconds, burst / seconds, heldPeak, window, held, LiveHeap.bytes(before) >> 20, heapPeak >> 20);

        assertThat(db.queryForObject(stored, Integer.class)).as("readings stored").isEqualTo(burst);
        assertThat(db.queryForObject("SELECT count(DISTINCT extra->>'seq') FROM mqtt_bridge.telemetry WHERE topic LIKE 'factory/machine/burst-%'",
                Integer.class)).as("distinct readings stored").isEqualTo(burst);
        assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic LIKE 'factory/machine/burst-%'",
                Integer.class)).as("readings rejected").isZero();
        assertThat(heldPeak).as("readings in the bridge at once; the live heap grew most in%n%s", LiveHeap.growth(before, atPeak, 12))
                .isPositive().isLessThanOrEqualTo(held);
        assertThat(heapPeak).as("live heap growth while the burst drained (limit %d MB), most in%n%s", BURST_HEAP_LIMIT >> 20,
                LiveHeap.growth(before, atPeak, 12)).isLessThan(BURST_HEAP_LIMIT);
    }

    void startRoute(String id) {
        try {
            camel.getRouteController().startRoute(id);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void awaitCount(String sql, int expected) {
        awaitCount(sql, expected, WAIT);
    }

    void awaitCount(String sql, int expected, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        int count;
        while ((count = db.queryForObject(sql, Integer.class)) < expected) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("expected " + expected + " rows, found " + count + ": " + sql);
            }
            sleep(100);
        }
        assertThat(count).as(sql).isEqualTo(expected);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
