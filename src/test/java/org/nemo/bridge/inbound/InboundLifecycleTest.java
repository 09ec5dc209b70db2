package org.nemo.bridge.inbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.BridgeApplication;
import org.nemo.bridge.support.Publisher;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge's own life around its inbound sessions: stopped and started again while
 * machines keep publishing, started while the broker is down.
 */
class InboundLifecycleTest {

    private static final int READINGS = 1500;

    @Test
    void aBridgeRestartMidStreamLosesNothing() throws Exception {
        try (TestBroker broker = TestBroker.local()) {
            String database = TestDatabase.create("inbound_restart");
            JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
            ConfigurableApplicationContext bridge = start(broker, database);
            // the session subscribes in the background: what machines publish before it ever
            // subscribed is no one's to keep, so the stream starts once a probe reading lands
            awaitSubscribed(broker, db, "probe", Duration.ofSeconds(30));
            AtomicInteger published = new AtomicInteger();
            Thread machines = new Thread(() -> {
                try (Publisher publisher = new Publisher(broker.url())) {
                    for (int seq = 0; seq < READINGS; seq++) {
                        publisher.publish("factory/machine/restart-" + (seq % 5) + "/telemetry", "{\"seq\":" + seq + "}");
                        published.incrementAndGet();
                        Thread.sleep(8);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "machines");
            machines.start();
            try {
                awaitStored(db, 200, Duration.ofSeconds(30));
                bridge.close();
                int whenStopped = published.get();
                assertThat(whenStopped).as("the machines were still publishing").isLessThan(READINGS);
                Thread.sleep(1000);
                bridge = start(broker, database);
                machines.join(120_000);
                assertThat(published.get()).isEqualTo(READINGS);
                awaitStored(db, READINGS, Duration.ofSeconds(60));
            } finally {
                machines.interrupt();
                bridge.close();
            }
            assertThat(db.queryForObject("SELECT count(DISTINCT extra->>'seq') FROM mqtt_bridge.telemetry", Integer.class))
                    .isEqualTo(READINGS);
        }
    }

    @Test
    void aBrokerDownAtBootDelaysInboundButDoesNotStopTheBridge() throws Exception {
        try (TestBroker broker = TestBroker.local()) {
            String database = TestDatabase.create("inbound_broker_down");
            JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
            broker.stop();
            try (ConfigurableApplicationContext bridge = start(broker, database)) {
                assertThat(bridge.isRunning()).isTrue();
                CamelContext camel = bridge.getBean(CamelContext.class);

                broker.start();
                // nothing is subscribed until the route has started: publish until a reading lands
                awaitSubscribed(broker, db, "late-1", Duration.ofSeconds(60));
                assertThat(camel.getRouteController().getRouteStatus("telemetry-ingest").isStarted()).isTrue();
            }
        }
    }

    @Test
    void twoInstancesInOneSharedGroupSplitTheReadingsAndStoreEachOnce() throws Exception {
        try (TestBroker broker = TestBroker.local()) {
            String database = TestDatabase.create("inbound_shared");
            JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
            try (ConfigurableApplicationContext first = start(broker, database, "bridge-a", "--bridge.inbound.shared-group=bridges");
                 ConfigurableApplicationContext second = start(broker, database, "bridge-b", "--bridge.inbound.shared-group=bridges");
                 Publisher machines = new Publisher(broker.url())) {
                // both sessions subscribed in the group before the readings start, or the first takes
                // them all (or, subscribed before either, no one keeps them): probes until each stored one
                long deadline = System.currentTimeMillis() + 30_000;
                while (stored(first) == 0 || stored(second) == 0) {
                    assertThat(System.currentTimeMillis()).as("both inbound sessions subscribed").isLessThan(deadline);
                    machines.publish("factory/machine/probe/telemetry", "{\"probe\":true}");
                    Thread.sleep(100);
                }
                // the last probes stored before the counts are taken
                machines.flush();
                double settled;
                do {
                    settled = stored(first) + stored(second);
                    Thread.sleep(300);
                } while (stored(first) + stored(second) != settled);
                double probesFirst = stored(first);
                double probesSecond = stored(second);
                for (int seq = 0; seq < 1000; seq++) {
                    machines.publish("factory/machine/shared-" + (seq % 10) + "/telemetry", "{\"seq\":" + seq + "}");
                }
                awaitStored(db, 1000, Duration.ofSeconds(60));
                assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id <> 'probe'", Integer.class))
                        .isEqualTo(1000);
                assertThat(stored(first) - probesFirst).as("bridge-a stored some").isPositive();
                assertThat(stored(second) - probesSecond).as("bridge-b stored some").isPositive();
                assertThat(stored(first) - probesFirst + stored(second) - probesSecond).isEqualTo(1000);
            }
        }
    }

    private static double stored(ConfigurableApplicationContext bridge) {
        return bridge.getBean(MeterRegistry.class).get("nemo.inbound.messages").tag("kind", "telemetry").tag("outcome", "stored")
                .counter().count();
    }

    /**
     * The database away for 20 seconds while machines keep publishing, with a keep-alive of 5
     * seconds: no thread that reads the session waits out the outage (the redelivery is
     * scheduled, asyncDelayedRedelivery), so the session stays connected and everything is
     * stored within seconds of the database's return. With the pause on the thread that read the
     * batch, the keep-alive lapsed and 334 of 3,000 readings were stored 90 s after the return.
     */
    @Test
    void aLongDatabaseOutageUnderAStreamLosesNothingAndCatchesUpAtOnce() throws Exception {
        try (TestBroker broker = TestBroker.local()) {
            String database = TestDatabase.create("inbound_outage");
            JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(database));
            JdbcTemplate admin = new JdbcTemplate(TestDatabase.dataSource(database.replace("/inbound_outage", "/postgres")));
            try (ConfigurableApplicationContext bridge = start(broker, database, "outage-bridge", "--bridge.mqtt.keep-alive=5")) {
                awaitSubscribed(broker, db, "probe", Duration.ofSeconds(30));
                int readings = 3000;
                Thread machines = new Thread(() -> {
                    try (Publisher publisher = new Publisher(broker.url())) {
                        for (int seq = 0; seq < readings; seq++) {
                            publisher.publish("factory/machine/outage-" + (seq % 5) + "/telemetry", "{\"seq\":" + seq + "}");
                            Thread.sleep(10);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "machines");
                machines.start();
                awaitStored(db, 100, Duration.ofSeconds(30));
                admin.execute("ALTER DATABASE inbound_outage ALLOW_CONNECTIONS false");
                admin.queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'inbound_outage'");
                Thread.sleep(20_000);
                admin.execute("ALTER DATABASE inbound_outage ALLOW_CONNECTIONS true");
                machines.join();
                awaitStored(db, readings, Duration.ofSeconds(30));
                assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry_rejected", Integer.class))
                        .as("an outage is not a rejection").isZero();
            } finally {
                admin.execute("ALTER DATABASE inbound_outage ALLOW_CONNECTIONS true");
            }
        }
    }

    private static ConfigurableApplicationContext start(TestBroker broker, String database) {
        return start(broker, database, "lifecycle-bridge");
    }

    private static ConfigurableApplicationContext start(TestBroker broker, String database, String clientId, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.datasource.url=" + database,
                "--spring.datasource.username=postgres",
                "--bridge.mqtt.broker-url=" + broker.url(),
                "--bridge.mqtt.client-id=" + clientId,
                "--bridge.mqtt.connect-timeout=2s",
                "--camel.routecontroller.back-off-delay=500",
                "--camel.routecontroller.back-off-max-delay=2000",
                "--server.port=0",
                // two instances in one JVM share one MBean server
                "--spring.jmx.unique-names=true",
                "--camel.main.jmx-enabled=false"));
        args.addAll(List.of(more));
        return new SpringApplicationBuilder(BridgeApplication.class).run(args.toArray(String[]::new));
    }

    /** Publishes readings of {@code machine} until one is stored: the bridge's session is subscribed then. */
    private static void awaitSubscribed(TestBroker broker, JdbcTemplate db, String machine, Duration timeout) throws InterruptedException {
        try (Publisher probe = new Publisher(broker.url())) {
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = ?", Integer.class, machine) == 0) {
                assertThat(System.currentTimeMillis()).as("a reading of " + machine + " stored").isLessThan(deadline);
                probe.publish("factory/machine/" + machine + "/telemetry", "{\"temperature\":20}");
                Thread.sleep(100);
            }
        }
    }

    private static void awaitStored(JdbcTemplate db, int count, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        int stored;
        while ((stored = db.queryForObject("SELECT count(DISTINCT extra->>'seq') FROM mqtt_bridge.telemetry", Integer.class)) < count) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("expected " + count + " readings stored, found " + stored + "; missing seq "
                        + db.queryForList("SELECT g FROM generate_series(0, ?) g WHERE NOT EXISTS (SELECT 1 FROM mqtt_bridge.telemetry t "
                                + "WHERE (t.extra->>'seq')::int = g) ORDER BY g LIMIT 50", Integer.class, count - 1)
                        + "; rejected " + db.queryForList("SELECT reason FROM mqtt_bridge.telemetry_rejected LIMIT 5", String.class));
            }
            Thread.sleep(100);
        }
    }
}
