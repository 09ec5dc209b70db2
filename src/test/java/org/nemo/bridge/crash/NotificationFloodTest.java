package org.nemo.bridge.crash;

import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flood on the doorbell channel under the shipped JVM flags (issue 21, item 2): any database
 * login may NOTIFY on nemo_mqtt_events, and PostgreSQL hands a listener every notification of a
 * committed transaction at once. Here one transaction sends 150,000 notifications of 2,000
 * bytes (300 MB, over twice the shipped 128 MB heap) at a bridge running as its own JVM with
 * docker/Dockerfile's flags. It stays alive, says once in its log what it dropped, and an
 * event enqueued after the flood still arrives, rung by the doorbell.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotificationFloodTest {

    private static final int NOTIFICATIONS = 150_000;
    private static final int PAYLOAD_BYTES = 2_000;

    private String database;
    private TestBroker broker;
    private BridgeProcess bridge;

    @BeforeAll
    void start() throws InterruptedException {
        database = TestDatabase.create("notification_flood");
        broker = TestBroker.local();
        bridge = BridgeProcess.startShipped("notification-flood", database, broker.url());
        bridge.awaitStarted(240_000);
    }

    @AfterAll
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aFloodOfLargeNotificationsInOneTransactionNeitherEndsTheBridgeNorSilencesTheDoorbell() throws Exception {
        JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
        awaitTrue(() -> bridge.logContains("PostgreSQL LISTEN nemo_mqtt_events connected"), "the doorbell listening");
        try (Subscriber display = new Subscriber(URI.create(broker.url()).toString(), "nemo/events/after_flood")) {
            // distinct payloads: PostgreSQL folds identical notifications of one transaction into one
            long sent = db.queryForObject("SELECT count(pg_notify('nemo_mqtt_events', lpad(g::text, ?, 'x'))) "
                    + "FROM generate_series(1, ?) g", Long.class, PAYLOAD_BYTES, NOTIFICATIONS);
            assertThat(sent).isEqualTo(NOTIFICATIONS);

            // the flood reaches the bridge: it notices, drops it and listens again
            awaitTrue(() -> !bridge.isAlive() || bridge.logContains("notifications arrived at once"), "the flood noticed");
            assertThat(bridge.isAlive()).as("bridge alive after the flood, else: %s", exitReasonOf(bridge)).isTrue();
            awaitTrue(() -> !bridge.isAlive() || listenConnections() > 1, "the doorbell listening again");
            assertThat(bridge.isAlive()).as("bridge alive after the flood, else: %s", exitReasonOf(bridge)).isTrue();

            // and the events behind the flood go on
            db.queryForObject("SELECT mqtt_bridge.enqueue('after_flood', '{\"n\":1}'::jsonb)", Long.class);
            display.awaitOne("nemo/events/after_flood", Duration.ofSeconds(30));
            assertThat(bridge.isAlive()).as("bridge alive, else: %s", exitReasonOf(bridge)).isTrue();
            System.out.println("FLOOD " + Files.readAllLines(bridge.log()).stream()
                    .filter(l -> l.contains("nemo_mqtt_events")).reduce((a, b) -> a + "\n      " + b).orElse(""));
        }
    }

    /** How often the log says the doorbell connected: the start, and again after the flood. */
    private long listenConnections() {
        try {
            return Files.readAllLines(bridge.log()).stream()
                    .filter(l -> l.contains("PostgreSQL LISTEN nemo_mqtt_events connected")).count();
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static String exitReasonOf(BridgeProcess bridge) {
        return bridge.isAlive() ? "alive" : bridge.exitReason();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as(what + " within 120 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
