package org.nemo.bridge.crash;

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

import static org.nemo.bridge.support.OutboxRows.awaitStatus;
import static org.nemo.bridge.support.OutboxRows.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code bridge.outbox.allow-reserved-topics=true} an application may publish into the
 * bridge's own subtrees on purpose (a lab's own status tool); the prefix still holds.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class ReservedTopicsAllowedTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final TestBroker BROKER = TestBroker.local();
    private static final String DATABASE = TestDatabase.create("reserved_topics_allowed");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
        registry.add("bridge.outbox.allow-reserved-topics", () -> "true");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Test
    void explicitTopicsInTheReservedSubtreesGoOutWhenTheSettingAllowsThem() {
        JdbcTemplate db = new JdbcTemplate(dataSource);
        try (Subscriber everything = new Subscriber(BROKER.url(), "#")) {
            long inbound = db.queryForObject("SELECT mqtt_bridge.enqueue('allowed', '{}'::jsonb, NULL, 'nemo/inbound/allowed')", Long.class);
            long state = db.queryForObject("SELECT mqtt_bridge.enqueue('allowed', '{}'::jsonb, NULL, 'nemo/tools/1/state')", Long.class);
            long outside = db.queryForObject("SELECT mqtt_bridge.enqueue('allowed', '{}'::jsonb, NULL, 'factory/machine/x/telemetry')",
                    Long.class);
            long after = db.queryForObject("SELECT mqtt_bridge.enqueue('after_allowed', '{}'::jsonb)", Long.class);

            everything.awaitOne("nemo/inbound/allowed", ARRIVAL);
            everything.awaitOne("nemo/tools/1/state", ARRIVAL);
            everything.awaitOne("nemo/events/after_allowed", ARRIVAL);
            // marked once the batch's PUBACKs are in, a moment after the messages arrived
            awaitStatus(db, after, "published");
            assertThat(status(db, inbound)).isEqualTo("published");
            assertThat(status(db, state)).isEqualTo("published");
            // the drain records dead rows right after it marks the batch published
            awaitStatus(db, outside, "dead");
            assertThat(everything.on("factory/machine/x/telemetry")).isEmpty();
        }
    }


}
