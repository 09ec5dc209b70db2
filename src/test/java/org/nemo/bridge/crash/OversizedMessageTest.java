package org.nemo.bridge.crash;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.Publisher;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One huge MQTT message cannot end the bridge (issue 14, item 2). The bridge runs as its own
 * JVM under the shipped flags (128 MB heap, exit on OutOfMemoryError); a machine publishes one
 * 150 MB message to the telemetry topic. The inbound session announced a Maximum Packet Size
 * in its CONNECT, so the broker drops the message instead of sending it: the bridge stays up
 * and the next reading is stored. Mosquitto (what labs run) takes messages up to 256 MB by
 * default; it is the broker that must not send it, since Paho allocates a packet's whole
 * length before it checks its own maximum.
 */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
class OversizedMessageTest {

    private static final int HUGE = 150 * 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aMessageOfOneHundredFiftyMegabytesNeitherEndsTheBridgeNorStopsTheReadingsBehindIt() throws Exception {
        String database = TestDatabase.create("oversized_message");
        JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
        try (MosquittoBroker broker = new MosquittoBroker();
             BridgeProcess bridge = BridgeProcess.startShipped("oversized-message", database, broker.url())) {
            bridge.awaitStarted(120_000);
            try (Publisher machine = new Publisher(broker.url())) {
                // the session subscribes in the background: a stored probe says it is there
                awaitStored(db, bridge, machine, "probe", true);

                byte[] huge = new byte[HUGE];
                Arrays.fill(huge, (byte) ' ');
                huge[0] = '{';
                huge[HUGE - 1] = '}';
                machine.publish("factory/machine/huge/telemetry", huge);
                huge = null;
                machine.flush();
                machine.publish("factory/machine/after-huge/telemetry", "{\"temperature\":21}");
                machine.flush();

                awaitStored(db, bridge, machine, "after-huge", false);
                // a few seconds more: a bridge that had read the message would be gone by now
                Thread.sleep(3000);
                assertThat(bridge.isAlive()).as("the bridge is alive; see " + bridge.log().toAbsolutePath()).isTrue();
                assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = 'huge'", Integer.class))
                        .isZero();
            }
        }
    }

    /**
     * Valid readings just under the payload limit, queued by the broker while the bridge was
     * away: 600 of 250 KB are 150 MB, more than the shipped heap, and the database is slow to
     * take them (a lock holds the telemetry table for the first seconds). The broker sends at
     * most the Receive Maximum of them unacknowledged, and that window is bounded by bytes, so
     * the restarted bridge holds a slice at a time, stores them all and stays up. Its start
     * completes before the database takes any of them.
     */
    @Test
    void aBacklogOfLargeValidReadingsLargerThanTheHeapIsStoredInSlices() throws Exception {
        String database = TestDatabase.create("large_backlog");
        JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
        int readings = 600;
        try (MosquittoBroker broker = new MosquittoBroker()) {
            try (BridgeProcess first = BridgeProcess.startShipped("large-backlog-1", database, broker.url());
                 Publisher machine = new Publisher(broker.url())) {
                first.awaitStarted(120_000);
                // the persistent session exists once a probe is stored; then the bridge goes away
                awaitStored(db, first, machine, "probe", true);
            }
            try (Publisher machine = new Publisher(broker.url())) {
                String note = "x".repeat(250 * 1024);
                for (int i = 0; i < readings; i++) {
                    machine.publish("factory/machine/big/telemetry", "{\"temperature\":" + i + ",\"note\":\"" + note + "\"}");
                }
                machine.flush();
            }
            try (BridgeProcess second = BridgeProcess.startShipped("large-backlog-2", database, broker.url());
                 Connection lock = TestDatabase.dataSource(database).getConnection()) {
                lock.setAutoCommit(false);
                try (Statement st = lock.createStatement()) {
                    // readings stay readable, none can be stored
                    st.execute("LOCK TABLE mqtt_bridge.telemetry IN EXCLUSIVE MODE");
                }
                // the broker starts sending once the telemetry session is back; the database stays slow for a while longer.
                // The start completes meanwhile: the resumed session's SUBACK, which comes behind the queued readings,
                // is not awaited (it was: the start waited for the lock, and a test awaiting the start while holding
                // the lock stalled both until the session's keep-alive gave up)
                long connectDeadline = System.currentTimeMillis() + 120_000;
                while (!second.logContains("-telemetry connected")) {
                    assertThat(System.currentTimeMillis()).as("the telemetry session reconnected").isLessThan(connectDeadline);
                    assertThat(second.isAlive()).isTrue();
                    Thread.sleep(200);
                }
                second.awaitStarted(30_000);
                assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = 'big'", Integer.class))
                        .as("started while the database took none of the readings").isZero();
                long slowUntil = System.currentTimeMillis() + 10_000;
                while (System.currentTimeMillis() < slowUntil) {
                    assertThat(second.isAlive()).as("the bridge is alive while the database is slow (exit code %s; see %s)",
                            second.isAlive() ? "-" : String.valueOf(second.exitValue()), second.log().toAbsolutePath()).isTrue();
                    Thread.sleep(500);
                }
                lock.commit();
                assertThat(second.logContains("Timed out")).as("the telemetry session kept its connection; see %s",
                        second.log().toAbsolutePath()).isFalse();
                long deadline = System.currentTimeMillis() + 180_000;
                int stored;
                while ((stored = db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = 'big'",
                        Integer.class)) < readings) {
                    assertThat(second.isAlive()).as("the bridge is alive (exit code %s; see %s)",
                            second.isAlive() ? "-" : String.valueOf(second.exitValue()), second.log().toAbsolutePath()).isTrue();
                    assertThat(System.currentTimeMillis()).as(stored + " of " + readings + " stored").isLessThan(deadline);
                    Thread.sleep(500);
                }
                assertThat(second.isAlive()).isTrue();
            }
        }
    }

    /** Until a reading of the machine is stored; fails as soon as the bridge has died. */
    private static void awaitStored(JdbcTemplate db, BridgeProcess bridge, Publisher machine, String machineId, boolean republish)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = ?", Integer.class, machineId) == 0) {
            assertThat(bridge.isAlive()).as("the bridge is alive (exit code %s; see %s)",
                    bridge.isAlive() ? "-" : String.valueOf(bridge.exitValue()), bridge.log().toAbsolutePath()).isTrue();
            assertThat(System.currentTimeMillis()).as("a reading of " + machineId + " stored").isLessThan(deadline);
            if (republish) {
                machine.publish("factory/machine/" + machineId + "/telemetry", "{\"temperature\":20}");
            }
            Thread.sleep(200);
        }
    }
}
