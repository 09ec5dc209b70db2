package org.nemo.bridge.outbound;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.OutboxRows;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drop-in start: {@code online} on {@code nemo/bridge/status} means the drains run. A row the
 * plugin queued before the bridge started is on the broker before {@code online} is, so a
 * display or an operator that reads {@code online} never waits for a drain that has not begun.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OnlineAnnouncementTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final class Fixture {
        static final HiveMqBroker BROKER = new HiveMqBroker();
        static final String DATABASE = TestDatabase.create("online_announcement");
        // watching from before the bridge starts, as a display on the wall does
        static final Subscriber DISPLAY = new Subscriber(BROKER.url(), "nemo/#");
        static final long QUEUED_BEFORE_START;

        static {
            DataSource ds = TestDatabase.dataSource(DATABASE);
            TestDatabase.pluginTables(ds);
            QUEUED_BEFORE_START = OutboxRows.pluginRow(new JdbcTemplate(ds), "nemo/tools/7/enabled", "{\"event\": \"tool_enabled\"}");
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, Fixture.DATABASE, Fixture.BROKER::url);
        registry.add("bridge.plugin.queue", () -> "on");
    }

    @AfterAll
    static void stopBroker() {
        Fixture.DISPLAY.close();
        Fixture.BROKER.close();
    }

    @Autowired
    TestRestTemplate http;

    @Autowired
    CamelContext camel;

    @Autowired
    DataSource dataSource;

    @Test
    void onlineIsSaidOnlyOnceThePluginQueueIsDrained() throws InterruptedException {
        Received online = Fixture.DISPLAY.await(r -> r.topic().equals("nemo/bridge/status") && r.payload().equals("online"), 1, WAIT)
                .get(0);
        Received queued = Fixture.DISPLAY.awaitOne("nemo/tools/7/enabled", WAIT);

        assertThat(queued.receivedAtNanos()).as("the row queued before the start arrived before online").isLessThan(online.receivedAtNanos());
        // marked after its PUBACK, a moment after the display has it
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (!new JdbcTemplate(dataSource).queryForObject("SELECT processed FROM nemo_mqtt_mqtt_eventqueue WHERE id = ?",
                Boolean.class, Fixture.QUEUED_BEFORE_START)) {
            assertThat(System.currentTimeMillis()).as("the queued row marked processed").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(camel.getRouteController().getRouteStatus("plugin-queue-drain").isStarted()).isTrue();
        List<Received> statuses = Fixture.DISPLAY.on("nemo/bridge/status");
        assertThat(statuses).extracting(Received::payload).containsExactly("online");

        // and ready: the probe that routes traffic here agrees
        ResponseEntity<JsonNode> readiness = http.withBasicAuth("admin", "test-admin").getForEntity("/actuator/health/readiness",
                JsonNode.class);
        assertThat(readiness.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(readiness.getBody().path("components").path("drains").path("status").asText()).isEqualTo("UP");
    }
}
