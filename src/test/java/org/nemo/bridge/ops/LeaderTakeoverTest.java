package org.nemo.bridge.ops;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.BridgeApplication;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import org.nemo.bridge.cluster.Leadership;

/**
 * Two instances on one database and one broker: exactly one publishes; when it goes away
 * (a redeploy, or its database session cut) the other takes over within 10 s, announces
 * online again, and every event still arrives once.
 */
@ExtendWith(OutputCaptureExtension.class)
class LeaderTakeoverTest {

    private static final Duration TAKEOVER = Duration.ofSeconds(10);
    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("leader_takeover");

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    private static ConfigurableApplicationContext instance() {
        // as command-line arguments: they outrank application.yaml, as they would in production
        return new SpringApplicationBuilder(BridgeApplication.class).run(
                "--spring.datasource.url=" + DATABASE,
                "--spring.datasource.username=postgres",
                "--bridge.mqtt.broker-url=" + BROKER.url(),
                "--bridge.outbox.poll-interval=500ms",
                "--bridge.cluster.check-interval=1s",
                "--server.port=0",
                // two instances in one JVM share one MBean server
                "--spring.jmx.unique-names=true",
                "--camel.main.jmx-enabled=false");
    }

    @Test
    void exactlyOneInstancePublishesAndAnotherTakesOverWithinTenSeconds(CapturedOutput output) throws Exception {
        NemoLab lab = new NemoLab(TestDatabase.dataSource(DATABASE));
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            ConfigurableApplicationContext first = instance();
            awaitLeader(first);
            ConfigurableApplicationContext second = instance();
            Thread.sleep(3000);
            assertThat(leads(first)).isTrue();
            assertThat(leads(second)).isFalse();
            assertThat(second.getBean(BrokerConnection.class).isConnected()).as("a follower holds no broker connection").isFalse();
            assertThat(second.getBean(BridgeStatus.class).status()).isEqualTo("standby");

            lab.enqueue("before_takeover", "{}", null, null);
            display.awaitOne("nemo/events/before_takeover", Duration.ofSeconds(10));

            // a redeploy of the leader: the follower takes over
            display.clear();
            first.close();
            long stoppedAt = System.currentTimeMillis();
            for (int i = 0; i < 20; i++) {
                lab.enqueue("during_takeover", "{\"n\":" + i + "}", null, null);
            }
            awaitLeader(second);
            long tookOver = System.currentTimeMillis() - stoppedAt;
            assertThat(tookOver).isLessThan(TAKEOVER.toMillis());
            display.await(r -> r.topic().equals("nemo/bridge/status") && r.payload().equals("online"), 1, TAKEOVER);
            List<Received> during = display.await(r -> r.topic().equals("nemo/events/during_takeover"), 20, Duration.ofSeconds(15));
            assertThat(during).extracting(r -> r.json().path("n").asInt()).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 20).boxed().toList());

            // the leader's database session is cut: the other instance takes over
            ConfigurableApplicationContext third = instance();
            Thread.sleep(2000);
            assertThat(leads(third)).isFalse();
            long cutAt = System.currentTimeMillis();
            lab.db().queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mqtt-bridge-leader'"
                    + " AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)");
            long deadline = cutAt + TAKEOVER.toMillis();
            while (!(leads(second) ^ leads(third))) {
                assertThat(System.currentTimeMillis()).as("one leader again").isLessThan(deadline);
                Thread.sleep(100);
            }
            for (int i = 0; i < 20; i++) {
                lab.enqueue("after_cut", "{\"n\":" + i + "}", null, null);
            }
            display.await(r -> r.topic().equals("nemo/events/after_cut"), 20, Duration.ofSeconds(15));
            Thread.sleep(1500);
            Set<String> ids = new HashSet<>();
            for (Received r : display.all()) {
                if (r.topic().startsWith("nemo/events/")) {
                    assertThat(ids.add(r.userProperties().get("event_id"))).as("event published once: " + r).isTrue();
                }
            }
            assertThat(lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE status <> 'published'", Integer.class))
                    .isZero();
            second.close();
            third.close();
            // one line per follower's wait, not one per check (every second here): the second and
            // the third instance each waited, and the one of them that lost the lock at the cut
            // waited again
            long waits = output.getOut().lines()
                    .filter(l -> l.contains("Waiting for leadership of 'bridge': another instance holds the lock")).count();
            assertThat(waits).isBetween(2L, 3L);
        }
    }

    private static boolean leads(ConfigurableApplicationContext context) {
        return context.getBean(Leadership.class).isLeader();
    }

    private static void awaitLeader(ConfigurableApplicationContext context) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TAKEOVER.toMillis();
        while (!leads(context)) {
            assertThat(System.currentTimeMillis()).as("leader within " + TAKEOVER).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
