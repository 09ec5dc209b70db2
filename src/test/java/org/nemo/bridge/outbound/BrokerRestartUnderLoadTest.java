package org.nemo.bridge.outbound;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Mosquitto (what labs run, with its default of 10 topic aliases offered to every
 * client) restarted three times while a backlog of NEMO transitions drains: the publisher is
 * never cut for a protocol error (Mosquitto's reason code 130: a PUBLISH naming a topic alias
 * the broker was never told), every message lands on its own topic, and every row is
 * published, in commit order per tool.
 */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
@ExtendWith(OutputCaptureExtension.class)
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class BrokerRestartUnderLoadTest {

    private static final int TOOLS = 20;
    private static final int TRANSITIONS_PER_ROUND = 700;
    private static final int ROUNDS = 3;

    private static final class Fixture {
        static final Path DIR = temporaryDirectory();
        static final Path LOG = DIR.resolve("mosquitto.log");
        // Mosquitto's own in-flight limit (20), and topic aliases for a thousand topics (Mosquitto
        // offers 10 by default) so that every new topic takes one; sessions on disk, so the
        // display's queue outlives the restarts; every notice in the log
        static final MosquittoBroker BROKER = new MosquittoBroker("max_inflight_messages 20\nmax_topic_alias 1000\n"
                + "persistence true\npersistence_location " + DIR + "/\n"
                + "log_dest file " + LOG + "\nlog_type notice\nlog_type warning\n");
        static final String DATABASE = TestDatabase.create("broker_restart_load");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, Fixture.DATABASE, Fixture.BROKER::url);
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
        registry.add("bridge.mqtt.max-reconnect-delay", () -> "1s");
        registry.add("bridge.mqtt.connect-timeout", () -> "3s");
    }

    @AfterAll
    static void stopBroker() {
        Fixture.BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Test
    void restartingTheBrokerWhileABacklogDrainsCausesNoProtocolErrorAndLosesNothing(CapturedOutput output) throws IOException, InterruptedException {
        NemoLab lab = new NemoLab(dataSource);
        int user = lab.user("Load", "Bearer");
        int[] tools = new int[TOOLS];
        Integer[] open = new Integer[TOOLS];
        for (int i = 0; i < TOOLS; i++) {
            tools[i] = lab.tool("Restart tool " + i);
        }
        try (Subscriber display = new Subscriber(Fixture.BROKER.url(), "nemo/#", true)) {
            // the restarts start on a connected publisher: a broker that dies during the very first
            // connect is another case (the start's connect and Paho's reconnect can then both send a CONNECT)
            display.await(r -> r.topic().equals("nemo/bridge/status") && r.payload().equals("online"), 1, Duration.ofSeconds(60));
            int expected = 0;
            for (int round = 0; round < ROUNDS; round++) {
                // a backlog builds while the broker is away, and drains in a burst when it is back;
                // from the second round on the broker goes away in the middle of the previous burst
                Fixture.BROKER.stop();
                for (int n = 0; n < TRANSITIONS_PER_ROUND; n++) {
                    // a tool at a time: new topics keep appearing while the broker's window is full
                    int i = (n / 25 + round * 7) % TOOLS;
                    if (open[i] == null) {
                        open[i] = lab.enable(tools[i], user);
                    } else {
                        lab.disable(open[i]);
                        open[i] = null;
                    }
                    // and an application's reading on a topic of its own
                    lab.enqueue("sample_read", "{\"n\":" + n + "}", null, "nemo/samples/" + round + "/" + n);
                }
                expected += TRANSITIONS_PER_ROUND;
                Fixture.BROKER.start();
                display.connect();
                int soFar = expected - TRANSITIONS_PER_ROUND / 2;
                display.await(r -> isEvent(r), soFar, Duration.ofSeconds(60));
            }
            Fixture.BROKER.start();
            display.connect();

            // every row published, and every event arrived: once at least, in commit order per tool
            List<Map<String, Object>> rows = lab.db().queryForList("SELECT event_id::text AS event_id, tool_id FROM mqtt_bridge.outbox "
                    + "WHERE event_type IN ('tool_enabled', 'tool_disabled') ORDER BY id");
            assertThat(rows).hasSize(ROUNDS * TRANSITIONS_PER_ROUND);
            awaitEverythingPublished(lab);
            List<String> samples = lab.db().queryForList("SELECT topic FROM mqtt_bridge.outbox WHERE event_type = 'sample_read'", String.class);
            // a restart may bring a message twice (same event_id), so what counts is every distinct one
            awaitDistinct(display, r -> r.topic().startsWith("nemo/samples/"), Received::topic, samples);
            awaitDistinct(display, BrokerRestartUnderLoadTest::isEvent, r -> r.userProperties().get("event_id"),
                    rows.stream().map(row -> (String) row.get("event_id")).toList());
            List<Received> events = display.all().stream().filter(BrokerRestartUnderLoadTest::isEvent).toList();
            Map<Integer, List<String>> committed = new HashMap<>();
            rows.forEach(row -> committed.computeIfAbsent((Integer) row.get("tool_id"), t -> new ArrayList<>())
                    .add((String) row.get("event_id")));
            Map<Integer, List<String>> arrived = new HashMap<>();
            Set<String> seen = new HashSet<>();
            for (Received event : events) {
                String id = event.userProperties().get("event_id");
                if (seen.add(id)) {
                    arrived.computeIfAbsent(event.json().path("tool_id").asInt(), t -> new ArrayList<>()).add(id);
                }
            }
            assertThat(arrived).isEqualTo(committed);

            // each message on its own topic: an event's JSON never on a state topic, nor the other way
            for (Received r : display.all()) {
                if (r.topic().endsWith("/state")) {
                    assertThat(r.json().has("in_use")).as("a state on " + r.topic() + ": " + r.payload()).isTrue();
                } else if (isEvent(r)) {
                    assertThat(r.topic()).as(r.payload()).endsWith("/" + r.json().path("event").asText().replace("tool_", ""));
                } else if (r.topic().startsWith("nemo/samples/")) {
                    assertThat(r.topic()).as(r.payload()).endsWith("/" + r.json().path("n").asInt());
                }
            }
        }
        // the broker never cut the publisher, and the bridge never saw it cut
        assertThat(Files.readString(Fixture.LOG)).doesNotContainIgnoringCase("protocol error")
                .doesNotContainIgnoringCase("topic alias");
        assertThat(output.getAll()).doesNotContain("reason code 130").doesNotContainIgnoringCase("protocol error");
    }

    private static void awaitDistinct(Subscriber display, java.util.function.Predicate<Received> match,
                                      java.util.function.Function<Received, String> key, List<String> expected) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            Set<String> arrived = new HashSet<>();
            display.all().stream().filter(match).map(key).forEach(arrived::add);
            if (arrived.containsAll(expected)) {
                return;
            }
            assertThat(System.currentTimeMillis()).as("every one of " + expected.size() + " arrived within 60 s; missing: "
                    + expected.stream().filter(e -> !arrived.contains(e)).limit(10).toList()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static boolean isEvent(Received r) {
        return r.topic().matches("nemo/tools/\\d+/(enabled|disabled)");
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("mosquitto-restarts");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until no outbox row is pending. */
    private static void awaitEverythingPublished(NemoLab lab) {
        long deadline = System.currentTimeMillis() + 60_000;
        Map<String, Integer> byStatus = new LinkedHashMap<>();
        while (System.currentTimeMillis() < deadline) {
            byStatus.clear();
            lab.db().queryForList("SELECT status, count(*)::int AS n FROM mqtt_bridge.outbox GROUP BY status")
                    .forEach(r -> byStatus.put((String) r.get("status"), (Integer) r.get("n")));
            if (!byStatus.containsKey("pending")) {
                break;
            }
            OutboundContract.sleep(200);
        }
        assertThat(byStatus).as("outbox rows by status").containsOnlyKeys("published");
    }
}
