package org.nemo.bridge.inbound;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.nemo.bridge.BridgeApplication;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.Publisher;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A retained telemetry message is the broker's memory of an old reading (DESIGN §7, issue 21
 * row 5). Left on a real Mosquitto before the bridge first starts, it is stored once and
 * never again: not when the bridge restarts and resumes its session, not when the session is
 * gone (another client id, an expired session); and it never makes its machine seen.
 */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
class RetainedTelemetryTest {

    private static final String KILN = "factory/machine/kiln-3/telemetry";
    private static final String BROKEN = "factory/machine/kiln-4/telemetry";

    @Test
    void aRetainedReadingIsStoredOnceAcrossRestartsAndNewSessionsAndNeverMakesItsMachineSeen() throws Exception {
        try (MosquittoBroker broker = new MosquittoBroker()) {
            String database = TestDatabase.create("inbound_retained");
            JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
            leaveRetained(broker);

            // first start, a new session: the broker hands over what it retained, stored once
            try (ConfigurableApplicationContext bridge = start(broker, database, "retained-bridge", "1h")) {
                awaitStored(broker, db, "probe-1");
                assertThat(repeats(bridge)).isZero();
            }
            assertThat(readings(db)).as("rows of the retained reading after the first start").isEqualTo(1);
            assertThat(rejections(db)).as("a retained message that is no reading is kept once too").isEqualTo(1);
            assertThat(lastSeen(db)).as("the broker's memory is no sign of life: kiln-3 is not seen").isEmpty();
            Map<String, Object> row = db.queryForMap("SELECT * FROM mqtt_bridge.telemetry WHERE topic = ?", KILN);
            assertThat(row).containsEntry("retained", true).containsEntry("timestamp_replaced", true).containsEntry("temperature", 812.5);

            // the kiln speaks for itself: now it is seen
            Timestamp seen;
            try (ConfigurableApplicationContext bridge = start(broker, database, "retained-bridge", "1h");
                 Publisher machine = new Publisher(broker.url())) {
                awaitStored(broker, db, "probe-2");
                machine.publish(KILN, "{\"temperature\":640.0}");
                machine.flush();
                awaitStored(broker, db, "probe-3");
                seen = lastSeen(db).get(0);
                assertThat(repeats(bridge)).as("a resumed session is not handed the retained messages again").isZero();
            }
            assertThat(readings(db)).as("the retained reading and the live one").isEqualTo(2);

            // a restart that resumes the session: nothing replayed (Retain Handling 1)
            try (ConfigurableApplicationContext bridge = start(broker, database, "retained-bridge", "1h")) {
                awaitStored(broker, db, "probe-4");
                assertThat(repeats(bridge)).as("replays to a resumed session").isZero();
            }
            assertThat(readings(db)).as("rows after a restart with the session kept").isEqualTo(2);

            // a new session (another client id): the broker replays, the bridge knows the payload
            try (ConfigurableApplicationContext bridge = start(broker, database, "retained-other", "1s")) {
                awaitStored(broker, db, "probe-5");
                assertThat(repeats(bridge)).as("replays recognised").isEqualTo(2);
            }
            assertThat(readings(db)).as("rows after a start with a new session").isEqualTo(2);
            assertThat(rejections(db)).isEqualTo(1);

            // the same client id once its session expired (1 s): replayed again, stored no more
            Thread.sleep(3000);
            try (ConfigurableApplicationContext bridge = start(broker, database, "retained-other", "1s")) {
                awaitStored(broker, db, "probe-6");
                assertThat(repeats(bridge)).as("replays recognised after the session expired").isEqualTo(2);
            }
            assertThat(readings(db)).as("rows after a start with an expired session").isEqualTo(2);
            assertThat(rejections(db)).isEqualTo(1);
            assertThat(lastSeen(db)).as("kiln-3's liveness is not refreshed by a replay").containsExactly(seen);
        }
    }

    @Test
    void aDigestOlderThanItsRetentionIsPurgedAndTheNextNewSessionStoresTheReplayOnceMore() throws Exception {
        try (MosquittoBroker broker = new MosquittoBroker()) {
            String database = TestDatabase.create("inbound_retained_purge");
            JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
            leaveRetained(broker);

            try (ConfigurableApplicationContext bridge = start(broker, database, "purge-bridge", "1h",
                    "--bridge.inbound.retained-retention=1h", "--bridge.inbound.purge-interval=1s")) {
                awaitStored(broker, db, "probe-1");
                assertThat(digests(db)).as("a digest per retained topic").containsExactlyInAnyOrder(BROKEN, KILN);
                // kiln-3's digest was stored two hours ago, kiln-4's just now
                db.update("UPDATE mqtt_bridge.telemetry_retained SET received_at = received_at - interval '2 hours' WHERE topic = ?", KILN);
                long deadline = System.currentTimeMillis() + Duration.ofSeconds(30).toMillis();
                while (digests(db).contains(KILN)) {
                    assertThat(System.currentTimeMillis()).as("the digest older than its retention purged").isLessThan(deadline);
                    Thread.sleep(100);
                }
                assertThat(digests(db)).as("a digest within its retention stays").containsExactly(BROKEN);
            }
            assertThat(readings(db)).isEqualTo(1);

            // a new session is handed the replay: kiln-3's is stored once more, flagged retained, and known again
            try (ConfigurableApplicationContext bridge = start(broker, database, "purge-other", "1h")) {
                awaitStored(broker, db, "probe-2");
                assertThat(repeats(bridge)).as("only kiln-4's replay is recognised").isEqualTo(1);
            }
            assertThat(db.queryForList("SELECT retained FROM mqtt_bridge.telemetry WHERE topic = ?", Boolean.class, KILN))
                    .as("kiln-3's rows after the purge and a new session").containsExactly(true, true);
            assertThat(digests(db)).containsExactlyInAnyOrder(BROKEN, KILN);

            // the next new session: recognised, stored no more
            try (ConfigurableApplicationContext bridge = start(broker, database, "purge-third", "1h")) {
                awaitStored(broker, db, "probe-3");
                assertThat(repeats(bridge)).as("both replays recognised").isEqualTo(2);
            }
            assertThat(readings(db)).isEqualTo(2);
            assertThat(rejections(db)).isEqualTo(1);
        }
    }

    /** kiln-3's last reading and kiln-4's unreadable message, left retained on the broker. */
    private static void leaveRetained(MosquittoBroker broker) {
        try (Publisher machine = new Publisher(broker.url())) {
            // no timestamp: stored with the receive time, as a fresh reading would be
            machine.publishRetained(KILN, "{\"temperature\":812.5}");
            machine.publishRetained(BROKEN, "not a reading");
        }
    }

    private static List<String> digests(JdbcTemplate db) {
        return db.queryForList("SELECT topic FROM mqtt_bridge.telemetry_retained ORDER BY topic", String.class);
    }

    private static int readings(JdbcTemplate db) {
        return db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE topic = ?", Integer.class, KILN);
    }

    private static int rejections(JdbcTemplate db) {
        return db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected WHERE topic = ?", Integer.class, BROKEN);
    }

    private static List<Timestamp> lastSeen(JdbcTemplate db) {
        return db.queryForList("SELECT last_seen FROM mqtt_bridge.machine WHERE machine_id = 'kiln-3'", Timestamp.class);
    }

    /** Retained messages the broker replayed to this bridge whose payload was stored before. */
    private static double repeats(ConfigurableApplicationContext bridge) {
        Counter counter = bridge.getBean(MeterRegistry.class).find("nemo.inbound.messages").tag("kind", "telemetry")
                .tag("outcome", "retained-repeat").counter();
        return counter == null ? 0 : counter.count();
    }

    private static ConfigurableApplicationContext start(MosquittoBroker broker, String database, String clientId,
                                                        String sessionExpiry, String... settings) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres",
                "--bridge.mqtt.broker-url=" + broker.url(),
                "--bridge.mqtt.client-id=" + clientId,
                "--bridge.inbound.session-expiry=" + sessionExpiry,
                "--bridge.inbound.machine-offline-after=10m",
                "--server.port=0"));
        args.addAll(List.of(settings));
        return new SpringApplicationBuilder(BridgeApplication.class).run(args.toArray(String[]::new));
    }

    /**
     * Publishes readings of {@code machine} until one is stored. The session delivers in order,
     * and a retained replay comes right after the subscribe: once a probe is stored, so is
     * whatever the broker replayed before it.
     */
    private static void awaitStored(MosquittoBroker broker, JdbcTemplate db, String machine) throws InterruptedException {
        try (Publisher probe = new Publisher(broker.url())) {
            long deadline = System.currentTimeMillis() + Duration.ofSeconds(60).toMillis();
            while (db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = ?", Integer.class, machine) == 0) {
                assertThat(System.currentTimeMillis()).as("a reading of " + machine + " stored").isLessThan(deadline);
                probe.publish("factory/machine/" + machine + "/telemetry", "{\"temperature\":20}");
                Thread.sleep(100);
            }
        }
    }
}
