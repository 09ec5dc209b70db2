package org.nemo.bridge.crash;

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
