package org.nemo.bridge.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.mqtt.BrokerSwitched;
import org.nemo.bridge.mqtt.HmacEnvelope;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drop-in for the Django plugin's Python bridge (DESIGN §6): its queue rows, written exactly
 * as the plugin writes them, arrive verbatim, in order, once; broker settings edited in the
 * plugin's table move publishing to another broker within 2 s, with and without NOTIFY;
 * HMAC envelopes verify with the shared key.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class PluginDropInTest {

    private static final Duration WITHIN_RELOAD = Duration.ofMillis(2500);
    private static final HiveMqBroker FIRST = new HiveMqBroker();
    private static final HiveMqBroker SECOND = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("plugin_dropin");

    static {
        TestDatabase.pluginTablesWithBroker(DATABASE, FIRST.port());
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connectByPluginTable(registry, DATABASE);
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
    }

    @AfterAll
    static void stopBrokers() {
        FIRST.close();
        SECOND.close();
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    TestRestTemplate http;

    @Autowired
    BrokerConnection broker;

    JdbcTemplate db;
    TransactionTemplate tx;

    @BeforeEach
    void backToTheFirstBroker() throws InterruptedException {
        db = new JdbcTemplate(dataSource);
        tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        db.update("UPDATE nemo_mqtt_mqttconfiguration SET enabled = true, broker_port = ?, use_hmac = false, updated_at = now()",
                FIRST.port());
        db.execute("NOTIFY nemo_mqtt_reload");
        awaitConnectedTo(FIRST, Duration.ofSeconds(10));
    }

    @Test
    void pluginRowsArriveVerbatimInOrderAndOnlyOnce() throws InterruptedException {
        try (Subscriber display = new Subscriber(FIRST.url(), "nemo/#")) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ids.add(pluginWrites("nemo/tools/9/enabled", "{\"event\": \"tool_enabled\", \"n\": " + i + "}", i % 2 == 0));
            }
            List<Received> got = display.await(r -> r.topic().equals("nemo/tools/9/enabled"), 50, Duration.ofSeconds(15));
            for (int i = 0; i < 50; i++) {
                assertThat(got.get(i).payload()).isEqualTo("{\"event\": \"tool_enabled\", \"n\": " + i + "}");
                assertThat(got.get(i).qos()).isEqualTo(1);
            }
            awaitProcessed(ids.get(49));
            Thread.sleep(1500);
            assertThat(display.on("nemo/tools/9/enabled")).hasSize(50);
            assertThat(db.queryForObject("SELECT count(*) FROM nemo_mqtt_mqtt_eventqueue WHERE NOT processed", Integer.class)).isZero();
        }
        try (Subscriber late = new Subscriber(FIRST.url(), "nemo/tools/9/enabled")) {
            // the last retained row (n = 48) is what a display booting now receives
            assertThat(late.awaitOne("nemo/tools/9/enabled", Duration.ofSeconds(5)).payload()).contains("\"n\": 48");
        }
    }

    @Test
    void withThePluginsQueueDrainedOurNemoTriggersStandAside() {
        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Plugin-era tool");
        lab.enable(tool, lab.user("Only", "Once"));
        assertThat(lab.outboxRows(tool)).isZero();
        assertThat(http.withBasicAuth("admin", "test-admin").getForObject("/api/status", JsonNode.class).path("config").path("nemo_triggers_result").asText())
                .contains("the plugin's queue nemo_mqtt_mqtt_eventqueue is the source of NEMO events");
    }

    @Test
    void editedBrokerSettingsMovePublishingWithinTwoSecondsWithAndWithoutNotify() throws InterruptedException {
        try (Subscriber first = new Subscriber(FIRST.url(), "nemo/#"); Subscriber second = new Subscriber(SECOND.url(), "nemo/#")) {
            // NEMO's customization page saves the row and the plugin NOTIFYs
            db.update("UPDATE nemo_mqtt_mqttconfiguration SET broker_port = ?, updated_at = now()", SECOND.port());
            db.execute("NOTIFY nemo_mqtt_reload");
            awaitConnectedTo(SECOND, WITHIN_RELOAD);
            pluginWrites("nemo/reload/a", "after-notify", false);
            second.await(r -> r.topic().equals("nemo/reload/a"), 1, Duration.ofSeconds(5));

            // the same edit with the notification lost: the fingerprint check finds it
            db.update("UPDATE nemo_mqtt_mqttconfiguration SET broker_port = ?, updated_at = now()", FIRST.port());
            awaitConnectedTo(FIRST, WITHIN_RELOAD);
            pluginWrites("nemo/reload/b", "after-poll", false);
            first.await(r -> r.topic().equals("nemo/reload/b"), 1, Duration.ofSeconds(5));

            // disabled: nothing is published, nothing is lost
            db.update("UPDATE nemo_mqtt_mqttconfiguration SET enabled = false, updated_at = now()");
            db.execute("NOTIFY nemo_mqtt_reload");
            Thread.sleep(1000);
            long held = pluginWrites("nemo/reload/c", "while-disabled", false);
            Thread.sleep(2000);
            assertThat(first.on("nemo/reload/c")).isEmpty();
            assertThat(second.on("nemo/reload/c")).isEmpty();
            assertThat(db.queryForObject("SELECT processed FROM nemo_mqtt_mqtt_eventqueue WHERE id = ?", Boolean.class, held)).isFalse();
            assertThat(http.withBasicAuth("admin", "test-admin").getForObject("/mqtt_bridge_status/", JsonNode.class).path("status").asText()).isEqualTo("disconnected");

            db.update("UPDATE nemo_mqtt_mqttconfiguration SET enabled = true, updated_at = now()");
            db.execute("NOTIFY nemo_mqtt_reload");
            first.await(r -> r.topic().equals("nemo/reload/c"), 1, WITHIN_RELOAD.plusSeconds(2));
            awaitProcessed(held);
            assertThat(first.on("nemo/reload/a")).isEmpty();
            assertThat(second.on("nemo/reload/b")).isEmpty();
        }
        JsonNode status = http.withBasicAuth("admin", "test-admin").getForObject("/mqtt_bridge_status/", JsonNode.class);
        assertThat(status.path("status").asText()).isEqualTo("connected");
        assertThat(status.path("diagnostics").path("last_reload_reason").asText()).isIn("notify", "config_poll");
        assertThat(status.path("diagnostics").path("applied_config_fingerprint").asText()).contains("@");
    }

    @Test
    void withHmacOnSubscribersVerifyTheSignatureWithTheSharedKey() throws Exception {
        db.update("UPDATE nemo_mqtt_mqttconfiguration SET use_hmac = true, hmac_secret_key = 'lab-shared-secret', updated_at = now()");
        db.execute("NOTIFY nemo_mqtt_reload");
        awaitHmac(true);
        try (Subscriber display = new Subscriber(FIRST.url(), "nemo/#")) {
            String inner = "{\"event\": \"tool_disabled\", \"tool_id\": 4}";
            pluginWrites("nemo/tools/4/disabled", inner, false);
            JsonNode envelope = display.awaitOne("nemo/tools/4/disabled", Duration.ofSeconds(10)).json();
            assertThat(envelope.path("payload").asText()).isEqualTo(inner);
            assertThat(envelope.path("algo").asText()).isEqualTo("sha256");
            assertThat(envelope.path("hmac").asText()).isEqualTo(HmacEnvelope.hmacSha256Hex("lab-shared-secret", inner));
            assertThat(envelope.path("hmac").asText()).isNotEqualTo(HmacEnvelope.hmacSha256Hex("another-key", inner));
        }
        assertThat(http.withBasicAuth("admin", "test-admin").getForObject("/api/status", String.class)).doesNotContain("lab-shared-secret");
        assertThat(http.withBasicAuth("admin", "test-admin").getForObject("/mqtt_bridge_status/", String.class)).doesNotContain("lab-shared-secret");
    }

    @Test
    void thePluginsMonitorSeesOurHeartbeat() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (db.queryForObject("SELECT count(*) FROM nemo_mqtt_mqttbridgestatus WHERE key = 'default' AND status = 'connected'"
                + " AND last_heartbeat > now() - interval '15 seconds'", Integer.class) == 0) {
            assertThat(System.currentTimeMillis()).as("plugin status row written").isLessThan(deadline);
            Thread.sleep(200);
        }
        // plugin 2.3.2's monitor shows these from bridge_diagnostics (NOT NULL there)
        String diagnostics = db.queryForObject("SELECT bridge_diagnostics::text FROM nemo_mqtt_mqttbridgestatus WHERE key = 'default'",
                String.class);
        assertThat(diagnostics).contains("\"broker\": \"tcp://").contains("\"last_error\": \"\"")
                .contains("\"applied_config_fingerprint\"").doesNotContain("password");
    }

    /** INSERT + pg_notify in one transaction, as the plugin's db_publisher does. */
    private long pluginWrites(String topic, String payload, boolean retain) {
        return tx.execute(status -> {
            long id = db.queryForObject("INSERT INTO nemo_mqtt_mqtt_eventqueue (topic, payload, qos, retain, processed, created_at)"
                    + " VALUES (?, ?, 1, ?, false, now()) RETURNING id", Long.class, topic, payload, retain);
            db.queryForObject("SELECT pg_notify('nemo_mqtt_events', ?)", Object.class, Long.toString(id));
            return id;
        });
    }

    @Test
    void anEditByHandThatKeepsUpdatedAtMovesPublishingAndTheOldBrokerIsToldOffline() throws InterruptedException {
        SWITCHES.clear();
        // as an operator would in psql: no NOTIFY, updated_at as it was
        db.update("UPDATE nemo_mqtt_mqttconfiguration SET broker_port = ?", SECOND.port());
        awaitConnectedTo(SECOND, WITHIN_RELOAD);
        try (Subscriber firstStatus = new Subscriber(FIRST.url(), "nemo/bridge/status")) {
            Subscriber.Received left = firstStatus.await(r -> true, 1, Duration.ofSeconds(5)).get(0);
            assertThat(left.payload()).as("the retained status left on the old broker").isEqualTo("offline");
            assertThat(left.retained()).isTrue();
        }
        // the event reaches the listeners on the reload's thread, which may still be moving the
        // inbound sessions when a drain has already connected to the new broker; a context that has
        // just started may also say it found its first broker (previous null)
        long deadline = System.currentTimeMillis() + 10_000;
        List<BrokerSwitched> moves = SWITCHES.stream().filter(s -> s.previous() != null).toList();
        while (moves.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
            moves = SWITCHES.stream().filter(s -> s.previous() != null).toList();
        }
        assertThat(moves).as("BrokerSwitched published once").hasSize(1);
        assertThat(moves.get(0).previous().url()).endsWith(":" + FIRST.port());
        assertThat(moves.get(0).next().url()).endsWith(":" + SECOND.port());
    }

    static final List<BrokerSwitched> SWITCHES = new CopyOnWriteArrayList<>();

    /** Hears what the other connections of the service follow. */
    @TestConfiguration
    static class Switches {

        @EventListener
        public void switched(BrokerSwitched event) {
            SWITCHES.add(event);
        }
    }

    private void awaitProcessed(long id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!db.queryForObject("SELECT processed FROM nemo_mqtt_mqtt_eventqueue WHERE id = ?", Boolean.class, id)) {
            assertThat(System.currentTimeMillis()).as("queue row " + id + " processed").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private void awaitConnectedTo(HiveMqBroker target, Duration within) throws InterruptedException {
        long deadline = System.currentTimeMillis() + within.toMillis();
        while (!(broker.isConnected() && broker.brokerUrl().endsWith(":" + target.port()))) {
            assertThat(System.currentTimeMillis()).as("connected to " + target.url()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private void awaitHmac(boolean on) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while ((broker.hmacKey() != null) != on || !broker.isConnected()) {
            assertThat(System.currentTimeMillis()).as("HMAC " + on).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
