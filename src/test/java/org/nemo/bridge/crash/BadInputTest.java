package org.nemo.bridge.crash;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.outbound.PgListenerState;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.LiveHeap;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.nemo.bridge.support.OutboxRows.awaitDead;
import static org.nemo.bridge.support.OutboxRows.awaitTrue;
import static org.nemo.bridge.support.OutboxRows.deadPluginReason;
import static org.nemo.bridge.support.OutboxRows.pluginRow;
import static org.nemo.bridge.support.OutboxRows.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input never stops the bridge (issue 4, item 6): each kind of bad row ends where a user
 * can see why (dead with last_error, or set aside with its reason, or published verbatim when
 * that is the plugin's contract), and the good events behind it still arrive, in order.
 * Mosquitto (what labs run) is given a 64 KiB maximum packet size so that "over the broker's
 * maximum" is the broker's limit, below the bridge's own 256 KiB.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class BadInputTest {

    private static final int BROKER_MAX_PACKET = 65536;
    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final TestBroker BROKER = MosquittoBroker.available()
            ? new MosquittoBroker("max_packet_size " + BROKER_MAX_PACKET + "\n")
            : new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("bad_input");

    static {
        TestDatabase.pluginTables(TestDatabase.dataSource(DATABASE));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
        // both sources at once: the plugin's queue and our own triggers
        registry.add("bridge.plugin.queue", () -> "on");
        registry.add("bridge.nemo.triggers", () -> "true");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    PgListenerState listener;

    @Test
    void pluginQueueRowsThatAreNotJsonGoOutVerbatimAndTheRowsBehindThemToo() {
        JdbcTemplate db = new JdbcTemplate(dataSource);
        List<String> payloads = List.of("not json {", "{\"half\": ", "", "[1,2", "{\"ok\":true}");
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/plugin/#")) {
            List<Long> ids = new ArrayList<>();
            for (String payload : payloads) {
                ids.add(pluginRow(db, "nemo/plugin/verbatim", payload));
            }
            long wildcard = pluginRow(db, "nemo/plugin/+", "{\"n\":1}");
            long after = pluginRow(db, "nemo/plugin/after", "{\"n\":2}");

            List<Received> verbatim = display.await(r -> r.topic().equals("nemo/plugin/verbatim"), payloads.size(), ARRIVAL);
            assertThat(verbatim).extracting(Received::payload).containsExactlyElementsOf(payloads);
            display.awaitOne("nemo/plugin/after", ARRIVAL);
            awaitTrue(() -> db.queryForObject("SELECT count(*) FROM nemo_mqtt_mqtt_eventqueue WHERE NOT processed", Integer.class) == 0
                    || deadPluginReason(db, wildcard) != null);
            for (long id : ids) {
                assertThat(db.queryForObject("SELECT processed FROM nemo_mqtt_mqtt_eventqueue WHERE id = ?", Boolean.class, id)).isTrue();
            }
            assertThat(db.queryForObject("SELECT processed FROM nemo_mqtt_mqtt_eventqueue WHERE id = ?", Boolean.class, after)).isTrue();
            assertThat(deadPluginReason(db, wildcard)).as("the wildcard topic's row is set aside with the reason").isNotBlank();
        }
    }

    @Test
    void topicsWithWildcardsOrOverTheBrokersLimitGoDeadAndTheEventsBehindThemArrive() {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            long plus = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('bad_topic', '{}'::jsonb, NULL, 'nemo/lab/+')", Long.class);
            long hash = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('bad_topic', '{}'::jsonb, NULL, 'nemo/lab/#')", Long.class);
            long typeWildcard = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('door+opened', '{}'::jsonb)", Long.class);
            // within MQTT's 65,535-byte topic limit, but with the payload and properties over the broker's packet limit
            long overBroker = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('bad_topic', '{}'::jsonb, NULL, 'nemo/' || repeat('t', ?))",
                    Long.class, BROKER_MAX_PACKET - 36);
            // over MQTT's own topic limit
            long overMqtt = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('bad_topic', '{}'::jsonb, NULL, 'nemo/' || repeat('t', ?))",
                    Long.class, BROKER_MAX_PACKET + 10);
            long good = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('after_bad_topics', '{\"n\":1}'::jsonb)", Long.class);

            display.awaitOne("nemo/events/after_bad_topics", ARRIVAL);
            for (long id : List.of(plus, hash, typeWildcard, overMqtt)) {
                awaitDead(lab.db(), id);
            }
            if (BROKER instanceof MosquittoBroker) {
                awaitDead(lab.db(), overBroker);
            }
            assertThat(status(lab.db(), good)).isEqualTo("published");
            assertThat(display.all()).noneMatch(r -> r.topic().startsWith("nemo/lab/") || r.topic().contains("door"));
        }
    }

    @Test
    void aPayloadOverTheBrokersMaximumGoesDeadAndTheEventsBehindItArrive() {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/#")) {
            // over Mosquitto's 64 KiB packet limit, under the bridge's own 256 KiB one
            long overBroker = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('too_big', jsonb_build_object('blob', repeat('x', 100000)))",
                    Long.class);
            // over the bridge's own limit on any broker
            long overBridge = lab.db().queryForObject("SELECT mqtt_bridge.enqueue('too_big', jsonb_build_object('blob', repeat('x', 300000)))",
                    Long.class);
            lab.db().queryForObject("SELECT mqtt_bridge.enqueue('after_too_big', '{\"n\":1}'::jsonb)", Long.class);

            display.awaitOne("nemo/events/after_too_big", ARRIVAL);
            if (BROKER instanceof MosquittoBroker) {
                awaitDead(lab.db(), overBroker);
                assertThat(display.on("nemo/events/too_big")).isEmpty();
            }
            awaitDead(lab.db(), overBridge);
        }
    }

    @Test
    void aToolDeletedBetweenTheTriggerAndTheDrainDoesNotStopTheEventsBehindIt() {
        NemoLab lab = new NemoLab(dataSource);
        int user = lab.user("Ada", "Lovelace");
        int other = lab.tool("Stays");
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/tools/#")) {
            int[] doomed = new int[1];
            // one transaction: the triggers have written the outbox rows, the tool is gone before the drain can see them
            new org.springframework.transaction.support.TransactionTemplate(
                    new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource)).executeWithoutResult(s -> {
                doomed[0] = lab.tool("Decommissioned");
                int usage = lab.enable(doomed[0], user);
                lab.disable(usage);
                lab.db().update("DELETE FROM \"NEMO_usageevent\" WHERE tool_id = ?", doomed[0]);
                lab.db().update("DELETE FROM \"NEMO_tool\" WHERE id = ?", doomed[0]);
            });
            int usage = lab.enable(other, user);
            lab.disable(usage);

            display.awaitOne("nemo/tools/" + other + "/enabled", ARRIVAL);
            display.awaitOne("nemo/tools/" + other + "/disabled", ARRIVAL);
            // the rows carry everything their messages need: a display still learns what happened to the tool
            display.awaitOne("nemo/tools/" + doomed[0] + "/enabled", ARRIVAL);
            display.awaitOne("nemo/tools/" + doomed[0] + "/disabled", ARRIVAL);
            awaitTrue(() -> lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE tool_id = ? AND status <> 'published'",
                    Integer.class, doomed[0]) == 0);
            assertThat(lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE tool_id = ?", Integer.class, doomed[0]))
                    .as("the deleted tool's events").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aStormOfOneHundredThousandNotificationsNeitherStopsTheEventsNorFillsTheMemory() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        Map<String, long[]> before = LiveHeap.classes();
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/storm_survivor")) {
            Thread storm = new Thread(() -> {
                JdbcTemplate db = new JdbcTemplate(TestDatabase.dataSource(DATABASE));
                for (int round = 0; round < 10; round++) {
                    db.queryForObject("SELECT count(pg_notify('nemo_mqtt_events', 'storm-' || g)) FROM generate_series(1, 10000) g",
                            Integer.class);
                }
            }, "notify-storm");
            storm.start();
            int events = 200;
            for (int i = 0; i < events; i++) {
                lab.db().queryForObject("SELECT mqtt_bridge.enqueue('storm_survivor', jsonb_build_object('tool', ?::int, 'seq', ?::int), ?)",
                        Long.class, i % 5, i / 5, i % 5 + 1);
            }
            storm.join(120_000);
            assertThat(storm.isAlive()).as("100,000 notifications sent").isFalse();

            List<Received> arrived = display.await(r -> true, events, Duration.ofSeconds(60));
            assertThat(arrived).hasSize(events);
            for (int tool = 0; tool < 5; tool++) {
                int t = tool;
                assertThat(arrived.stream().filter(r -> r.json().path("tool").asInt() == t).map(r -> r.json().path("seq").asInt()).toList())
                        .as("tool " + tool + " in order").isSorted().hasSize(events / 5);
            }
            // the storm has been read by now: the doorbell still rings, and an event after it arrives by NOTIFY
            Thread.sleep(2000);
            assertThat(listener.isListening()).isTrue();
            lab.db().queryForObject("SELECT mqtt_bridge.enqueue('storm_survivor', '{\"tool\":9,\"seq\":0}'::jsonb)", Long.class);
            display.await(r -> true, events + 1, ARRIVAL);
        }
        Map<String, long[]> after = LiveHeap.classes();
        long growth = LiveHeap.bytes(after) - LiveHeap.bytes(before);
        System.out.println("CRASH notify storm: live heap growth after 100,000 notifications " + growth / (1024 * 1024) + " MiB");
        assertThat(growth).as("heap kept after the storm; grew most in%n%s", LiveHeap.growth(before, after, 12))
                .isLessThan(64L * 1024 * 1024);
    }





}
