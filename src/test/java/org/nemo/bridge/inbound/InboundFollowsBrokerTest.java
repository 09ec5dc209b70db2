package org.nemo.bridge.inbound;

import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.mqtt.BrokerSwitched;
import org.nemo.bridge.support.Publisher;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With config-source=database the inbound sessions follow a broker switch: once the broker
 * settings in the plugin's table name another broker (the publishing connection reloads them
 * and publishes {@link BrokerSwitched}), telemetry and envelopes sent to the new broker are
 * stored, and the old broker is no longer listened to.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class InboundFollowsBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TestBroker FIRST = TestBroker.local();
    private static final TestBroker SECOND = TestBroker.local();
    private static final String DATABASE = TestDatabase.create("inbound_follows_broker");

    static {
        TestDatabase.pluginTablesWithBroker(DATABASE, FIRST.port());
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connectByPluginTable(registry, DATABASE);
        registry.add("bridge.mqtt.client-id", () -> "follows-broker");
    }

    @AfterAll
    static void stopBrokers() {
        FIRST.close();
        SECOND.close();
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    CamelContext camel;

    @Test
    void afterABrokerSwitchTelemetryAndEnvelopesSentToTheNewBrokerAreStored() throws Exception {
        JdbcTemplate db = new JdbcTemplate(dataSource);
        awaitStored(db, FIRST.url(), "before-switch");

        // NEMO's customization page saves the row and the plugin NOTIFYs: the publishing
        // connection reloads and says BrokerSwitched
        db.update("UPDATE nemo_mqtt_mqttconfiguration SET broker_port = ?, updated_at = now()", SECOND.port());
        db.execute("NOTIFY nemo_mqtt_reload");
        long switchedBy = System.currentTimeMillis() + WAIT.toMillis();
        while (!listensOn("telemetry-ingest", SECOND)) {
            assertThat(System.currentTimeMillis()).as("the telemetry session on the new broker").isLessThan(switchedBy);
            Thread.sleep(50);
        }

        try (Publisher old = new Publisher(FIRST.url())) {
            old.publish("factory/machine/left-behind/telemetry", "{\"temperature\":1}");
            old.flush();
        }
        awaitStored(db, SECOND.url(), "after-switch");
        try (Publisher service = new Publisher(SECOND.url())) {
            service.publish("nemo/inbound/switched", "{\"message_id\":\"switched-1\",\"message_type\":\"event\","
                    + "\"event_type\":\"door_opened\",\"payload\":{}}");
        }
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (db.queryForObject("SELECT count(*) FROM mqtt_bridge.inbox WHERE message_id = 'switched-1'", Integer.class) == 0) {
            assertThat(System.currentTimeMillis()).as("the envelope sent to the new broker stored").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = 'left-behind'", Integer.class))
                .as("the old broker is no longer listened to").isZero();
        assertThat(camel.getRouteController().getRouteStatus("telemetry-ingest").isStarted()).isTrue();
        assertThat(camel.getRouteController().getRouteStatus("envelope-ingest").isStarted()).isTrue();
    }

    /** The route's session is connected to the broker. */
    private boolean listensOn(String route, TestBroker broker) {
        return InboundLimitsTest.connected(camel, route) && camel.getRoute(route).getConsumer() instanceof PahoMqtt5Consumer consumer
                && consumer.getClient() != null && consumer.getClient().getServerURI().endsWith(":" + broker.port());
    }

    /** Publishes readings of {@code machine} to the broker until one is stored: the session listens there. */
    static void awaitStored(JdbcTemplate db, String brokerUrl, String machine) throws InterruptedException {
        try (Publisher probe = new Publisher(brokerUrl)) {
            long deadline = System.currentTimeMillis() + WAIT.toMillis();
            while (db.queryForObject("SELECT count(*) FROM mqtt_bridge.telemetry WHERE machine_id = ?", Integer.class, machine) == 0) {
                assertThat(System.currentTimeMillis()).as("a reading of " + machine + " stored").isLessThan(deadline);
                probe.publish("factory/machine/" + machine + "/telemetry", "{\"temperature\":20}");
                Thread.sleep(100);
            }
        }
    }
}
