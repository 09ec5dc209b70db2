package org.nemo.bridge.outbound;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nemo.bridge.support.OutboxRows.awaitStatus;

/**
 * A second destination added by configuration alone ({@code bridge.destinations}, as the README
 * shows it): the wall display gets every tool's state and billing hears when a use ends, each
 * message as the usual topic receives it, and the row is published only once both were
 * acknowledged. A destination the broker refuses sends its row dead with the reason.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DestinationsTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final MosquittoBroker BROKER = new MosquittoBroker();
    private static final String DATABASE = TestDatabase.create("destinations");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.nemo.triggers", () -> "true");
        registry.add("bridge.destinations.tool_state[0]", () -> "lab/wall/{tool_id}/state");
        registry.add("bridge.destinations.tool_disabled[0]", () -> "lab/billing/{tool_id}");
        registry.add("bridge.destinations.tool_disabled[1]", () -> "nemo/archive/{event_type}");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Test
    void aToolsStateAndOneEventTypeAlsoGoWhereTheConfigurationSends() {
        NemoLab lab = new NemoLab(dataSource);
        int user = lab.user("Wall", "Display");
        int tool = lab.tool("Destinations Tool");
        try (Subscriber everything = new Subscriber(BROKER.url(), "#")) {
            int usage = lab.enable(tool, user);
            Received wall = everything.awaitOne("lab/wall/" + tool + "/state", ARRIVAL);
            Received state = everything.awaitOne("nemo/tools/" + tool + "/state", ARRIVAL);
            assertThat(wall.payload()).isEqualTo(state.payload());
            assertThat(wall.json().path("in_use").asBoolean()).isTrue();
            // retained there too: a wall display that boots later gets it at once
            try (Subscriber late = new Subscriber(BROKER.url(), "lab/wall/" + tool + "/state")) {
                Received kept = late.awaitOne("lab/wall/" + tool + "/state", ARRIVAL);
                assertThat(kept.retained()).isTrue();
                assertThat(kept.json().path("in_use").asBoolean()).isTrue();
            }
            assertThat(wall.userProperties()).isEqualTo(state.userProperties());
            // tool_enabled names no destination: it goes to its own topic only
            everything.awaitOne("nemo/tools/" + tool + "/enabled", ARRIVAL);

            lab.disable(usage);
            Received billing = everything.awaitOne("lab/billing/" + tool, ARRIVAL);
            Received disabled = everything.awaitOne("nemo/tools/" + tool + "/disabled", ARRIVAL);
            Received archive = everything.awaitOne("nemo/archive/tool_disabled", ARRIVAL);
            assertThat(billing.payload()).isEqualTo(disabled.payload()).isEqualTo(archive.payload());
            assertThat(everything.on("lab/billing/" + tool)).hasSize(1);
            // the state the end of the use changed, after the event's copies: free again, on the wall too
            List<Received> walls = everything.await(r -> r.topic().equals("lab/wall/" + tool + "/state"), 2, ARRIVAL);
            assertThat(walls.get(walls.size() - 1).json().path("in_use").asBoolean()).isFalse();

            long last = lab.db().queryForObject("SELECT max(id) FROM mqtt_bridge.outbox", Long.class);
            awaitStatus(lab.db(), last, "published");
        }
    }
}
