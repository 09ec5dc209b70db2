package org.nemo.bridge.crash;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Crash injection, in the manner of the CDC tools' suites: for each fault a steady stream of
 * events (5,000 across 25 tools at ~800/s by default) is enqueued while the fault is injected
 * at 40 % of the stream, and the display side counts what arrived: lost, duplicated (by
 * event_id), out of per-tool order, and how long after the fault ended the next event came.
 *
 * <p>The bridge runs as its own JVM (so it can be SIGKILLed), against a PostgreSQL this test
 * owns (so it can be restarted on the same port and data) and a Mosquitto reached through a
 * TCP proxy this test owns (so the network can be cut). Mosquitto keeps sessions on disk, and
 * the recording subscriber's session survives a broker restart.
 *
 * <p>Duplicate bound, per fault: the drain publishes a batch pipelined and marks its rows
 * published with one UPDATE once every PUBACK of the batch is in, so at any instant at most one
 * batch ({@code bridge.outbox.batch-size}, {@value #BRIDGE_IN_FLIGHT} here) is
 * published-but-not-marked: a fault that interrupts the bridge, its database or its broker
 * connection can make it send those again (its MQTT session starts clean, so Paho never resends
 * on its own as well). A broker restart also breaks the subscriber's connection: the broker then
 * resends what it had sent the subscriber without having its PUBACK yet, at most the
 * subscriber's Receive Maximum
 * ({@value #SUBSCRIBER_IN_FLIGHT}). Terminating the LISTEN backend touches neither path: 0.
 *
 * <p>Run it alone: {@code ./mvnw -B -q test -Dtest='org.nemo.bridge.crash.*'}; sizes can be
 * changed with {@code -Dcrash.events=}, {@code -Dcrash.rate=}, {@code -Dcrash.tools=}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrashInjectionTest {

    /** One batch: the bridge runs with this bridge.outbox.batch-size (see BridgeProcess). */
    static final int BRIDGE_IN_FLIGHT = BridgeProcess.BATCH_SIZE;
    static final int SUBSCRIBER_IN_FLIGHT = EventRecorder.RECEIVE_MAXIMUM;
    private static final int EVENTS = Integer.getInteger("crash.events", 5000);
    private static final int RATE = Integer.getInteger("crash.rate", 800);
    private static final int TOOLS = Integer.getInteger("crash.tools", 25);
    /** A loaded two-core CI machine starts a Spring Boot JVM slowly: generous, and never a pass criterion. */
    private static final long START_TIMEOUT = 240_000;
    private static final long DRAIN_TIMEOUT = 240_000;

    private Path pgData;
    private EmbeddedPostgres postgres;
    private TestBroker broker;
    private TcpProxy proxy;
    private BridgeProcess leader;
    private BridgeProcess follower;
    private int bridges;

    @FunctionalInterface
    interface Fault {
        /** Injects the fault and returns when it ended ({@link System#nanoTime()}). */
        long inject() throws Exception;
    }

    @BeforeAll
    void startTheWorld() throws Exception {
        Files.deleteIfExists(FaultFigures.REPORT);
        pgData = Files.createTempDirectory("crash-pg");
        postgres = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).start();
        TestDatabase.nemoTables(postgres.getPostgresDatabase());
        // -Dcrash.broker=hivemq runs the suite as a machine without mosquitto would
        if (MosquittoBroker.available() && !"hivemq".equals(System.getProperty("crash.broker"))) {
            Path sessions = Files.createTempDirectory("crash-mosquitto");
            // sessions and queued messages survive the broker's restart, as on a lab's broker
            broker = new MosquittoBroker("persistence true\npersistence_location " + sessions + "/\n");
        } else {
            broker = new HiveMqBroker();
        }
        proxy = new TcpProxy(URI.create(broker.url()).getPort());
        leader = startBridge();
        leader.awaitStarted(START_TIMEOUT);
    }

    @AfterAll
    void stopTheWorld() throws IOException {
        for (BridgeProcess b : new BridgeProcess[] {leader, follower}) {
            if (b != null) {
                b.close();
            }
        }
        if (proxy != null) {
            proxy.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private BridgeProcess startBridge() {
        return BridgeProcess.start("bridge-" + (++bridges), jdbcUrl(), proxy.url());
    }

    private String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    @Test
    @Order(1)
    void listenBackendTerminated() throws Exception {
        run("d) LISTEN backend terminated", "crash_listen", 0, () -> {
            int terminated = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (terminated == 0) {
                terminated = queryInt("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        + "WHERE application_name = 'mqtt-bridge-listener'");
                assertThat(System.currentTimeMillis()).as("a LISTEN backend to terminate").isLessThan(deadline);
            }
            return System.nanoTime();
        });
    }

    @Test
    @Order(2)
    void brokerRestart() throws Exception {
        // the embedded HiveMQ keeps sessions in memory only: after its restart the subscriber's
        // own session would be gone, and its losses would be counted as the bridge's
        assumeTrue(broker instanceof MosquittoBroker, "broker restart needs a broker that keeps sessions (mosquitto)");
        run("b) broker restart (3 s down)", "crash_broker", BRIDGE_IN_FLIGHT + SUBSCRIBER_IN_FLIGHT, () -> {
            broker.stop();
            Thread.sleep(3000);
            broker.start();
            return System.nanoTime();
        });
    }

    @Test
    @Order(3)
    void networkCutToTheBroker() throws Exception {
        run("f) network cut to the broker (5 s)", "crash_network", BRIDGE_IN_FLIGHT, () -> {
            proxy.cut();
            Thread.sleep(5000);
            proxy.restore();
            return System.nanoTime();
        });
    }

    @Test
    @Order(4)
    void postgresRestart() throws Exception {
        run("c) PostgreSQL restart", "crash_postgres", BRIDGE_IN_FLIGHT, () -> {
            int port = postgres.getPort();
            postgres.close();
            postgres = EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
            return System.nanoTime();
        });
    }

    @Test
    @Order(5)
    void bridgeKilledMidStream() throws Exception {
        run("a) bridge kill -9, restarted", "crash_kill", BRIDGE_IN_FLIGHT, () -> {
            leader.kill9();
            // the replacement's start-up is part of the time to recover, as it is in production
            leader = startBridge();
            return System.nanoTime();
        });
        leader.awaitStarted(START_TIMEOUT);
    }

    @Test
    @Order(6)
    void leaderKilledWithAFollowerRunning() throws Exception {
        follower = startBridge();
        follower.awaitStarted(START_TIMEOUT);
        run("e) leader kill -9, follower takes over", "crash_leader", BRIDGE_IN_FLIGHT, () -> {
            leader.kill9();
            return System.nanoTime();
        });
        assertThat(follower.isAlive()).isTrue();
    }

    private void run(String fault, String eventType, int duplicateBound, Fault injection) throws Exception {
        try (EventRecorder recorder = new EventRecorder(broker.url(), "nemo/events/" + eventType)) {
            EventProducer producer = new EventProducer(this::jdbcUrl, eventType, EVENTS, TOOLS, RATE).start();
            producer.awaitCommitted(EVENTS * 2 / 5, DRAIN_TIMEOUT);
            long faultEnd = injection.inject();
            producer.awaitDone(DRAIN_TIMEOUT);
            int sent = producer.committed();
            recorder.awaitDistinct(sent, DRAIN_TIMEOUT);
            // late redeliveries would still be duplicates: give them a moment to show
            Thread.sleep(2000);
            FaultFigures figures = FaultFigures.of(fault, sent, recorder.arrivals(), faultEnd,
                    recorder.firstArrivalAfter(faultEnd), producer.rate(), duplicateBound);
            figures.report();
            System.out.println("CRASH " + fault + " duplicates:" + FaultFigures.duplicatesSeen(recorder.arrivals(), faultEnd));

            assertThat(recorder.problems()).as(fault + ": malformed messages").isEmpty();
            assertThat(figures.lost()).as(fault + ": lost").isZero();
            assertThat(figures.orderViolations()).as(fault + ": per-tool order violations").isZero();
            assertThat(figures.duplicates()).as(fault + ": duplicates").isLessThanOrEqualTo(duplicateBound);
            assertThat(queryInt("SELECT count(*) FROM mqtt_bridge.outbox WHERE event_type = '" + eventType
                    + "' AND status <> 'published'")).as(fault + ": rows not marked published").isZero();
        }
    }

    private int queryInt(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        }
    }
}
