package org.nemo.bridge.outbound;

import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database without NEMO's tables (an application that publishes only through
 * mqtt_bridge.enqueue(), or NEMO installed later): the bridge starts, installs no trigger,
 * says so, and publishes what is enqueued.
 */
@CamelSpringBootTest
@SpringBootTest
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class WithoutNemoTest {

    private static final TestBroker BROKER = TestBroker.local();
    private static final String DATABASE = TestDatabase.createEmpty("without_nemo");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Test
    void aDatabaseWithoutNemosTablesStartsTheBridgeAndEnqueuedEventsArePublished() {
        JdbcTemplate db = new JdbcTemplate(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            db.queryForObject("SELECT mqtt_bridge.enqueue('lab_note', '{\"text\":\"hello\"}'::jsonb)", Long.class);
            display.awaitOne("nemo/events/lab_note", Duration.ofSeconds(20));
        }
        String triggers = db.queryForObject("SELECT diagnostics->>'nemo_triggers' FROM mqtt_bridge.bridge_status WHERE instance_id = '_schema'",
                String.class);
        assertThat(triggers).contains("NEMO triggers not installed");
    }
}
