package org.nemo.bridge.inbound;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.Publisher;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What machines on the network can no longer do to the bridge (issue 14): a machine id that
 * cannot be a topic level is rejected before its status topic reaches the MQTT client, the
 * number of machines is capped, and what is rejected is kept small and purged.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class InboundLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int MAX_MACHINES = 25;
    private static final TestBroker BROKER = TestBroker.local();
    private static final String DATABASE = TestDatabase.create("inbound_limits");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.mqtt.client-id", () -> "inbound-limits");
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
        registry.add("bridge.inbound.max-machines", () -> String.valueOf(MAX_MACHINES));
        registry.add("bridge.inbound.liveness-check-interval", () -> "500ms");
        // no machine goes offline during a test: every status seen is a machine's first
        registry.add("bridge.inbound.machine-offline-after", () -> "10m");
        registry.add("bridge.inbound.rejected-retention", () -> "1h");
        registry.add("bridge.inbound.purge-interval", () -> "1s");
        registry.add("bridge.inbound.purge-batch", () -> "3");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    JdbcTemplate db;

    @Autowired
    CamelContext camel;

    @Autowired
    MeterRegistry meters;

    @Autowired
    ApplicationContext context;

    @BeforeEach
    void inboundSessionsUp() throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        for (String route : new String[] {"telemetry-ingest", "envelope-ingest"}) {
            while (!connected(camel, route)) {
                assertThat(System.currentTimeMillis()).as(route + " session connected").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
    }

    /** The route's MQTT session is up (its route started and its consumer connected). */
    static boolean connected(CamelContext camel, String routeId) {
        return camel.getRouteController().getRouteStatus(routeId).isStarted()
                && camel.getRoute(routeId).getConsumer() instanceof PahoMqtt5Consumer consumer
                && consumer.getClient() != null && consumer.getClient().isConnected();
    }

    @Test
    void aControlCharacterInAMachineIdIsRejectedAndTheBridgeKeepsPublishing() {
        double rejectedBefore = rejectedTelemetry();
        try (Subscriber bridgeStatus = new Subscriber(BROKER.url(), "nemo/#");
             Subscriber dashboard = new Subscriber(BROKER.url(), "factory/machine/+/status");
             Publisher machines = new Publisher(BROKER.url())) {
            assertThat(bridgeStatus.awaitOne("nemo/bridge/status", WAIT).payload()).isEqualTo("online");

            machines.publish("factory/machine/x/telemetry", "{\"machine_id\":\"ctl\\u0001x\",\"temperature\":20}");
            machines.flush();
            await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/x/telemetry'",
                    Integer.class) + db.queryForObject("SELECT count(*) FROM mqtt_bridge.machine WHERE machine_id LIKE 'ctl%'", Integer.class) > 0);
            // a liveness round or two for the status the bad machine would be owed
            sleep(1500);
            machines.publish("factory/machine/after-bad-id/telemetry", "{\"temperature\":21}");
            db.queryForObject("SELECT mqtt_bridge.enqueue('after_ctl_machine', '{\"n\":1}'::jsonb)", Long.class);

            // the normal machine's reading is stored and its status published; outbound events still flow
            await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = 'after-bad-id'", Integer.class) == 1);
            assertThat(dashboard.awaitOne("factory/machine/after-bad-id/status", WAIT).json().path("online").asBoolean()).isTrue();
            bridgeStatus.awaitOne("nemo/events/after_ctl_machine", WAIT);
            // the publishing connection never dropped: no last will, no second "online"
            assertThat(bridgeStatus.quietlyCollect("nemo/bridge/status", Duration.ofSeconds(2))).extracting(Received::payload)
                    .as("nemo/bridge/status").containsExactly("online");

            assertThat(db.queryForObject("SELECT reason FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/x/telemetry'",
                    String.class)).contains("machine_id 'ctl\\u0001x' cannot be a topic level");
            assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.machine WHERE machine_id LIKE 'ctl%'", Integer.class)).isZero();
            assertThat(dashboard.all()).noneMatch(r -> r.json().path("machine_id").asText().startsWith("ctl"));
            await(() -> rejectedTelemetry() >= rejectedBefore + 1);
        }
    }

    @Test
    void beyondMaxMachinesANewMachineIsRejectedAndTheKnownOnesKeepWorking() {
        int knownBefore = db.queryForObject("SELECT count(*) FROM mqtt_bridge.machine", Integer.class);
        assertThat(knownBefore).isLessThan(MAX_MACHINES);
        int room = MAX_MACHINES - knownBefore;
        int flood = 200;
        double rejectedBefore = rejectedTelemetry();
        try (Subscriber dashboard = new Subscriber(BROKER.url(), "factory/machine/+/status");
             Publisher machines = new Publisher(BROKER.url())) {
            for (int i = 0; i < flood; i++) {
                machines.publish("factory/machine/flood-" + i + "/telemetry", "{\"temperature\":20}");
            }
            machines.flush();
            await(() -> db.queryForObject("SELECT (SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id LIKE 'flood-%')"
                    + " + (SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic LIKE 'factory/machine/flood-%')", Integer.class)
                    == flood);

            assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.machine", Integer.class)).isEqualTo(MAX_MACHINES);
            assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id LIKE 'flood-%'", Integer.class))
                    .isEqualTo(room);
            List<String> reasons = db.queryForList("SELECT DISTINCT reason FROM mqtt_bridge.telemetry_rejected "
                    + "WHERE topic LIKE 'factory/machine/flood-%'", String.class);
            assertThat(reasons).hasSize(flood - room).allMatch(r -> r.contains("is new and bridge.inbound.max-machines (25)"));
            await(() -> rejectedTelemetry() >= rejectedBefore + flood - room);

            // the retained statuses stop at the cap too
            dashboard.await(r -> r.topic().startsWith("factory/machine/flood-"), room, WAIT);
            List<Received> statuses = dashboard.quietlyCollect("factory/machine/+/status", Duration.ofSeconds(3));
            Set<String> floodStatuses = dashboard.all().stream().map(Received::topic).filter(t -> t.startsWith("factory/machine/flood-"))
                    .collect(Collectors.toSet());
            assertThat(floodStatuses).as("retained statuses of flood machines (%s)", statuses.size()).hasSize(room);

            // a known machine keeps working, a new one is still turned away
            String known = db.queryForObject("SELECT machine_id FROM mqtt_bridge.machine WHERE machine_id LIKE 'flood-%' LIMIT 1",
                    String.class);
            machines.publish("factory/machine/" + known + "/telemetry", "{\"temperature\":22}");
            machines.publish("factory/machine/one-more/telemetry", "{\"temperature\":22}");
            machines.flush();
            await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = ?", Integer.class, known) == 2);
            await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/one-more/telemetry'",
                    Integer.class) == 1);
            assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.machine", Integer.class)).isEqualTo(MAX_MACHINES);
        }
    }

    @Test
    void aLargeRejectedPayloadIsKeptTruncatedWithItsSize() {
        int size = 200_000;
        byte[] big = "x".repeat(size).getBytes(StandardCharsets.UTF_8);
        try (Publisher sender = new Publisher(BROKER.url())) {
            sender.publish("factory/machine/big-reject/telemetry", big);
            sender.publish("nemo/inbound/big-reject", big);
        }
        await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/big-reject/telemetry'",
                Integer.class) == 1);
        await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.inbox WHERE received_on = 'nemo/inbound/big-reject'", Integer.class) == 1);

        Map<String, Object> telemetry = db.queryForMap("SELECT octet_length(payload) AS kept, length(payload_text) AS text, reason "
                + "FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/big-reject/telemetry'");
        assertThat(telemetry).containsEntry("kept", 1024).containsEntry("text", 1024);
        assertThat((String) telemetry.get("reason")).contains("payload is not JSON");
        assertThat(db.queryForObject("SELECT payload_size FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/big-reject/telemetry'",
                Integer.class)).isEqualTo(size);

        Map<String, Object> inbox = db.queryForMap("SELECT octet_length(raw) AS kept, valid, reason FROM mqtt_bridge.inbox "
                + "WHERE received_on = 'nemo/inbound/big-reject'");
        assertThat(inbox).containsEntry("kept", 1024).containsEntry("valid", false);
        assertThat(db.queryForObject("SELECT raw_size FROM mqtt_bridge.inbox WHERE received_on = 'nemo/inbound/big-reject'", Integer.class))
                .isEqualTo(size);
    }

    @Test
    void rejectedAndInvalidMessagesPastTheRetentionArePurgedAndTheRestKept() {
        for (int i = 0; i < 7; i++) {
            db.update("INSERT INTO mqtt_bridge.telemetry_rejected (topic, reason, received_at) "
                    + "VALUES ('factory/machine/old/telemetry', 'old', now() - interval '2 hours')");
            db.update("INSERT INTO mqtt_bridge.inbox (received_on, valid, reason, received_at) "
                    + "VALUES ('nemo/inbound/old-invalid', false, 'old', now() - interval '2 hours')");
        }
        db.update("INSERT INTO mqtt_bridge.telemetry_rejected (topic, reason, received_at) "
                + "VALUES ('factory/machine/recent/telemetry', 'recent', now() - interval '10 minutes')");
        db.update("INSERT INTO mqtt_bridge.inbox (received_on, valid, reason, received_at) "
                + "VALUES ('nemo/inbound/recent-invalid', false, 'recent', now() - interval '10 minutes')");
        db.update("INSERT INTO mqtt_bridge.inbox (message_id, message_type, received_on, event_type, valid, received_at) "
                + "VALUES ('old-valid', 'event', 'nemo/inbound/old-valid', 'x', true, now() - interval '2 hours')");

        await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/old/telemetry'",
                Integer.class) == 0);
        await(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.inbox WHERE received_on = 'nemo/inbound/old-invalid'",
                Integer.class) == 0);
        assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic = 'factory/machine/recent/telemetry'",
                Integer.class)).isEqualTo(1);
        assertThat(db.queryForList("SELECT received_on FROM mqtt_bridge.inbox WHERE received_on IN "
                + "('nemo/inbound/recent-invalid', 'nemo/inbound/old-valid') ORDER BY received_on", String.class))
                .containsExactly("nemo/inbound/old-valid", "nemo/inbound/recent-invalid");
    }

    @Test
    void aTopicAndAReasonFromTheNetworkReachTheLogWithoutTheirLineBreaks() throws Exception {
        // the log line of routes/inbound-errors.yaml, evaluated as the route does
        String line = Files.readAllLines(Path.of("routes", "inbound-errors.yaml")).stream()
                .filter(l -> l.trim().startsWith("message: \"Inbound message on")).findFirst().orElseThrow();
        String message = line.substring(line.indexOf('"') + 1, line.lastIndexOf('"'));
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("CamelMqttTopic", "factory/machine/x\r\nFORGED INFO line/telemetry");
        // where onException keeps the exception it handles
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, new IllegalStateException("bad\r\nFORGED WARN line"));

        String logged = camel.resolveLanguage("simple").createExpression(message).evaluate(exchange, String.class);

        assertThat(logged).doesNotContain("\r").doesNotContain("\n")
                .contains("factory/machine/x\\u000d\\u000aFORGED INFO line/telemetry").contains("bad\\u000d\\u000aFORGED WARN line");
    }

    private double rejectedTelemetry() {
        return meters.get("nemo.inbound.messages").tag("kind", "telemetry").tag("outcome", "rejected").counter().count();
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition within " + WAIT).isLessThan(deadline);
            sleep(100);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
