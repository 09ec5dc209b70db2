package org.nemo.bridge.nemo;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each kind of NEMO event can be switched off, and a NEMO without one of the optional tables
 * (here: no area access records) still gets every other kind. The state's next reservation is
 * kept by the schedule even with reservation events off.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class NemoEventSwitchesTest {

    static final Duration WAIT = Duration.ofSeconds(15);
    static final Duration QUIET = Duration.ofMillis(2500);

    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("nemo_switches");

    static {
        new JdbcTemplate(TestDatabase.dataSource(DATABASE)).execute("DROP TABLE \"NEMO_areaaccessrecord\"");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
        registry.add("bridge.nemo.state-refresh-interval", () -> "500ms");
        // any spelling of false Spring accepts
        registry.add("bridge.nemo.events.interlock", () -> "off");
        registry.add("bridge.nemo.events.reservations", () -> "no");
        registry.add("bridge.nemo.events.tools", () -> "false");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Test
    void theInstallLineSaysWhichKindsAreOnOffOrWithoutTables() {
        String line = new NemoLab(dataSource).db().queryForObject(
                "SELECT diagnostics ->> 'nemo_triggers' FROM mqtt_bridge.bridge_status WHERE instance_id = '_schema'", String.class);

        assertThat(line).contains("NEMO triggers installed")
                .contains("events for areas")
                .contains("no NEMO tables for area access")
                .contains("switched off: tool metadata, interlocks, reservations");
    }

    @Test
    void switchedOffKindsPublishNothingAndTheOthersStillDo() {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            int interlock = lab.interlock(2);
            int tool = lab.toolWithInterlock("Furnace", interlock);
            int area = lab.area("Cleanroom");
            lab.setInterlockState(interlock, 1);
            lab.rename(tool, "Furnace 2");
            int user = lab.user("Chien-Shiung", "Wu");
            Instant start = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MINUTES);
            int reservation = lab.reserve(tool, user, start, start.plus(1, ChronoUnit.HOURS));

            assertThat(display.awaitOne("nemo/areas/" + area, WAIT).json().path("event").asText()).isEqualTo("area_created");
            // with reservation events off, the schedule still shows who is next
            Received state = display.awaitOne("nemo/tools/" + tool + "/state", WAIT);
            JsonNode s = state.json();
            assertThat(s.path("next_reservation").path("user").asText()).isEqualTo("Chien-Shiung Wu");
            assertThat(s.has("interlock")).isFalse();
            assertThat(state.userProperties()).containsEntry("event_type", "tool_state_refresh");

            display.quietlyCollect("nemo/tools/" + tool + "/state", QUIET);
            assertThat(display.on("nemo/tools/" + tool + "/interlock")).isEmpty();
            assertThat(display.on("nemo/tools/" + tool)).isEmpty();
            assertThat(display.on("nemo/reservations/" + reservation)).isEmpty();
            assertThat(lab.outboxEventTypes(tool)).containsOnly("tool_state_refresh");
        }
    }
}
