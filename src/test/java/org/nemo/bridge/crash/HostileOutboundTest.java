package org.nemo.bridge.crash;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.nemo.bridge.support.OutboxRows.awaitDead;
import static org.nemo.bridge.support.OutboxRows.awaitStatus;
import static org.nemo.bridge.support.OutboxRows.awaitTrue;
import static org.nemo.bridge.support.OutboxRows.deadPluginReason;
import static org.nemo.bridge.support.OutboxRows.pluginRow;
import static org.nemo.bridge.support.OutboxRows.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The outbound side against a clumsy lab or an attacker (issue 14): a row whose event type or
 * topic Paho would refuse, a topic in the bridge's own subtrees, a row an operator marks dead
 * while the broker is away. Each such row ends dead (or set aside) with the reason, the rows
 * behind it arrive in order, and the publishing connection never drops for it. The bridge
 * reaches Mosquitto through a TCP proxy, so a test can cut the bridge off while the display
 * stays connected and sees everything the bridge publishes.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class HostileOutboundTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final String STATUS = "nemo/bridge/status";
    private static final MosquittoBroker BROKER = MosquittoBroker.available() ? new MosquittoBroker() : null;
    private static final TcpProxy PROXY = BROKER == null ? null : new TcpProxy(URI.create(BROKER.url()).getPort());
    private static final String DATABASE = TestDatabase.create("hostile_outbound");

    static {
        TestDatabase.pluginTables(TestDatabase.dataSource(DATABASE));
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        assumeTrue(BROKER != null, "mosquitto is installed (CI installs it)");
        TestBridge.connect(registry, DATABASE, PROXY::url);
        registry.add("bridge.mqtt.max-reconnect-delay", () -> "1s");
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
        registry.add("bridge.outbox.retry-max-delay", () -> "500");
        registry.add("bridge.plugin.queue", () -> "on");
    }

    @AfterAll
    static void stopBroker() {
        if (PROXY != null) {
            PROXY.close();
        }
        if (BROKER != null) {
            BROKER.close();
        }
    }

    @Autowired
    DataSource dataSource;

    @Test
    void aControlCharacterInAnEventTypeOrTopicGoesDeadAndTheRowsBehindItArePublishedWithoutAReconnect() {
        JdbcTemplate db = new JdbcTemplate(dataSource);
        try (Subscriber status = new Subscriber(BROKER.url(), STATUS); Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            status.awaitOne(STATUS, ARRIVAL);
            List<Long> bad = new ArrayList<>();
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue(E'bad\\x01type', '{}'::jsonb)"));
            // a valid topic, but the event type travels as a user property too
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue(E'bad\\x01type', '{}'::jsonb, NULL, 'nemo/lab/typed')"));
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue('ctl_topic', '{}'::jsonb, NULL, E'nemo/lab/ctl\\x01x')"));
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue('del_topic', '{}'::jsonb, NULL, E'nemo/lab/del\\x7fx')"));
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue('c1_topic', '{}'::jsonb, NULL, E'nemo/lab/c1\\u0085x')"));
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue('nonchar_topic', '{}'::jsonb, NULL, E'nemo/lab/nc\\uffffx')"));
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue(E'nonchar\\uffff', '{}'::jsonb)"));
            bad.add(enqueue(db, "SELECT mqtt_bridge.enqueue('plus_topic', '{}'::jsonb, NULL, 'nemo/lab/a+b')"));
            for (int i = 0; i < 5; i++) {
                db.queryForObject("SELECT mqtt_bridge.enqueue('after_control', jsonb_build_object('seq', ?::int), 1)", Long.class, i);
            }

            List<Received> after = display.await(r -> r.topic().equals("nemo/events/after_control"), 5, ARRIVAL);
            assertThat(after).extracting(r -> r.json().path("seq").asInt()).containsExactly(0, 1, 2, 3, 4);
            for (long id : bad) {
                awaitDead(db, id);
            }
            assertThat(display.all()).noneMatch(r -> r.topic().startsWith("nemo/lab/") || r.topic().contains("bad"));
            // the publishing connection never dropped: its last will (offline) never came, nor a second online
            assertThat(status.all()).extracting(Received::payload).containsExactly("online");
        }
    }

    @Test
    void topicsInTheBridgesOwnSubtreesOrOutsideThePrefixGoDeadAndTheRowsBehindThemArrive() {
        JdbcTemplate db = new JdbcTemplate(dataSource);
        try (Subscriber everything = new Subscriber(BROKER.url(), "#")) {
            List<Long> spoofs = new ArrayList<>();
            for (String topic : List.of("nemo/inbound/spoof", "nemo/tools/1/state", STATUS, "factory/machine/x/telemetry")) {
                spoofs.add(db.queryForObject("SELECT mqtt_bridge.enqueue('spoof', '{\"online\":false}'::jsonb, NULL, ?)", Long.class, topic));
            }
            List<Long> pluginSpoofs = new ArrayList<>();
            for (String topic : List.of("factory/machine/x/telemetry", "nemo/inbound/spoof", "nemo/tools/2/state")) {
                pluginSpoofs.add(pluginRow(db, topic, "{\"machine_id\":\"x\",\"temperature\":99}"));
            }
            long allowed = db.queryForObject("SELECT mqtt_bridge.enqueue('spoof', '{}'::jsonb, NULL, 'nemo/lab/fine')", Long.class);
            long pluginAllowed = pluginRow(db, "nemo/plugin/after_spoof", "{}");

            everything.awaitOne("nemo/lab/fine", ARRIVAL);
            everything.awaitOne("nemo/plugin/after_spoof", ARRIVAL);
            for (long id : spoofs) {
                String reason = awaitDead(db, id);
                assertThat(reason).containsAnyOf("own subtree", "outside the prefix");
            }
            for (long id : pluginSpoofs) {
                awaitTrue(() -> deadPluginReason(db, id) != null);
                assertThat(deadPluginReason(db, id)).containsAnyOf("own subtree", "outside the prefix");
            }
            // a display can see a message a moment before its batch is marked, and the spoofs may
            // have gone dead in an earlier batch
            awaitStatus(db, allowed, "published");
            awaitTrue(() -> db.queryForObject("SELECT processed FROM nemo_mqtt_mqtt_eventqueue WHERE id = ?", Boolean.class,
                    pluginAllowed));
            assertThat(everything.all()).extracting(Received::topic)
                    .noneMatch(t -> t.startsWith("nemo/inbound/") || t.startsWith("factory/") || t.matches("nemo/tools/[12]/state"));
            assertThat(everything.on(STATUS)).extracting(Received::payload).containsExactly("online");
            assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = 'x'", Integer.class)).isZero();
        }
    }

    @Test
    void aRowAnOperatorMarksDeadWhileTheBrokerIsAwayIsNeverPublished() throws Exception {
        JdbcTemplate db = new JdbcTemplate(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/#")) {
            PROXY.cut();
            try {
                // one transaction: the drain fetches the three as one batch
                var ids = db.queryForMap("SELECT mqtt_bridge.enqueue('held', '{\"n\":1}'::jsonb, 7) AS first,"
                        + " mqtt_bridge.enqueue('operator_dead', '{\"n\":2}'::jsonb, 7) AS doomed,"
                        + " mqtt_bridge.enqueue('held', '{\"n\":3}'::jsonb, 7) AS last");
                long first = ((Number) ids.get("first")).longValue();
                long doomed = ((Number) ids.get("doomed")).longValue();
                long last = ((Number) ids.get("last")).longValue();
                // the drain has fetched them and retries while the broker is away
                Thread.sleep(3000);
                assertThat(List.of(status(db, first), status(db, doomed), status(db, last))).containsOnly("pending");
                db.update("UPDATE mqtt_bridge.outbox SET status = 'dead', last_error = 'withdrawn by the operator' WHERE id = ?", doomed);
            } finally {
                PROXY.restore();
            }
            List<Received> held = display.await(r -> r.topic().equals("nemo/events/held"), 2, ARRIVAL);
            assertThat(held).extracting(r -> r.json().path("n").asInt()).containsExactly(1, 3);
            assertThat(display.quietlyCollect("nemo/events/operator_dead", Duration.ofSeconds(2))).isEmpty();
        }
    }

    private static long enqueue(JdbcTemplate db, String sql) {
        return db.queryForObject(sql, Long.class);
    }





}
