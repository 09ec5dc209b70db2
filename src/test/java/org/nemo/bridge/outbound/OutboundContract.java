package org.nemo.bridge.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestBroker;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbound contract (DESIGN §3–§5), end to end: NEMO rows in a real PostgreSQL, the
 * service's routes, a real MQTT 5 broker, and a subscriber that sees what a display sees.
 * Run once per broker by its subclasses.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
abstract class OutboundContract {

    static final Duration WAIT = Duration.ofSeconds(15);
    static final String ISO_UTC = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\+00:00";

    @Autowired
    DataSource dataSource;

    NemoLab lab;
    Subscriber display;

    abstract TestBroker broker();

    static void register(DynamicPropertyRegistry registry, TestBroker broker, String databaseUrl) {
        TestBridge.connect(registry, databaseUrl, broker::url);
        registry.add("bridge.outbox.poll-interval", () -> "500ms");
        registry.add("bridge.mqtt.max-reconnect-delay", () -> "1s");
        // a reconnect attempt that meets a broker still starting gives up soon and tries again
        registry.add("bridge.mqtt.connect-timeout", () -> "3s");
    }

    @BeforeEach
    void connectDisplay() {
        lab = new NemoLab(dataSource);
        display = new Subscriber(broker().url(), "nemo/#");
    }

    @AfterEach
    void disconnectDisplay() {
        display.close();
    }

    @Test
    void enablingAToolPublishesTheEventAndTheRetainedState() {
        int tool = lab.tool("Mask Aligner");
        int ada = lab.user("Ada", "Lovelace");

        int usage = lab.enable(tool, ada);

        Received event = display.awaitOne("nemo/tools/" + tool + "/enabled", WAIT);
        JsonNode e = event.json();
        assertThat(e.path("event").asText()).isEqualTo("tool_enabled");
        assertThat(e.path("tool_id").asInt()).isEqualTo(tool);
        assertThat(e.path("tool_name").asText()).isEqualTo("Mask Aligner");
        assertThat(e.path("usage_id").asInt()).isEqualTo(usage);
        assertThat(e.path("user_id").asInt()).isEqualTo(ada);
        assertThat(e.path("user_name").asText()).isEqualTo("Ada Lovelace (" + lab.username(ada) + ")");
        assertThat(e.path("start_time").asText()).matches(ISO_UTC);
        assertThat(e.path("timestamp").asText()).matches(ISO_UTC);
        assertThat(e.path("event_id").asText()).isEqualTo(event.userProperties().get("event_id"));
        assertThat(event.retained()).isFalse();
        assertThat(event.qos()).isEqualTo(1);
        assertThat(event.contentType()).isEqualTo("application/json");
        assertThat(event.userProperties()).containsEntry("event_type", "tool_enabled");

        Received state = display.awaitOne("nemo/tools/" + tool + "/state", WAIT);
        assertThat(state.payload().getBytes()).hasSizeLessThanOrEqualTo(200);
        JsonNode s = state.json();
        assertThat(s.path("tool_id").asInt()).isEqualTo(tool);
        assertThat(s.path("in_use").asBoolean()).isTrue();
        assertThat(s.path("operational").asBoolean()).isTrue();
        assertThat(s.path("user").asText()).isEqualTo("Ada Lovelace");
        assertThat(s.path("since").asText()).isEqualTo(e.path("start_time").asText());
        assertThat(s.path("previous_user").isNull()).isTrue();
        assertThat(state.userProperties()).containsEntry("event_id", e.path("event_id").asText())
                .containsEntry("event_type", "tool_enabled");
        assertThat(state.contentType()).isEqualTo("application/json");

        // retained: a display that boots now gets the state at once
        try (Subscriber late = new Subscriber(broker().url(), "nemo/tools/" + tool + "/state")) {
            Received boot = late.awaitOne("nemo/tools/" + tool + "/state", WAIT);
            assertThat(boot.retained()).isTrue();
            assertThat(boot.json().path("user").asText()).isEqualTo("Ada Lovelace");
        }
    }

    @Test
    void disablingAToolPublishesTheEventAndFreesTheStateWithThePreviousUser() {
        int tool = lab.tool("SEM");
        int grace = lab.user("Grace", "Hopper");
        int usage = lab.enable(tool, grace);
        display.awaitOne("nemo/tools/" + tool + "/enabled", WAIT);

        lab.disable(usage);

        JsonNode e = display.awaitOne("nemo/tools/" + tool + "/disabled", WAIT).json();
        assertThat(e.path("event").asText()).isEqualTo("tool_disabled");
        assertThat(e.path("usage_id").asInt()).isEqualTo(usage);
        assertThat(e.path("user_name").asText()).isEqualTo("Grace Hopper (" + lab.username(grace) + ")");
        assertThat(e.path("end_time").asText()).matches(ISO_UTC);
        assertThat(e.path("delayed_logoff").asBoolean()).isFalse();
        List<Received> states = display.await(r -> r.topic().equals("nemo/tools/" + tool + "/state"), 2, WAIT);
        JsonNode s = states.get(1).json();
        assertThat(s.path("in_use").asBoolean()).isFalse();
        assertThat(s.path("user").isNull()).isTrue();
        assertThat(s.path("previous_user").asText()).isEqualTo("Grace Hopper");
        assertThat(s.path("since").asText()).isEqualTo(e.path("end_time").asText());
        assertThat(states.get(1).userProperties()).containsEntry("event_type", "tool_disabled");
    }

    @Test
    void aDelayedLogoffCountsAsDisabled() {
        int tool = lab.tool("Wire Bonder");
        int usage = lab.enable(tool, lab.user("Marie", "Curie"));
        display.awaitOne("nemo/tools/" + tool + "/enabled", WAIT);

        lab.disableAt(usage, Instant.now().plusSeconds(600));

        JsonNode e = display.awaitOne("nemo/tools/" + tool + "/disabled", WAIT).json();
        assertThat(e.path("delayed_logoff").asBoolean()).isTrue();
        List<Received> states = display.await(r -> r.topic().equals("nemo/tools/" + tool + "/state"), 2, WAIT);
        assertThat(states.get(1).json().path("in_use").asBoolean()).isFalse();
    }

    @Test
    void laterSavesOfTheSameRowsPublishNothing() throws Exception {
        int tool = lab.tool("Plasma Etcher");
        int usage = lab.enable(tool, lab.user("Rosalind", "Franklin"));
        lab.disable(usage);
        display.await(r -> r.topic().equals("nemo/tools/" + tool + "/state"), 2, WAIT);
        int rows = lab.outboxRows(tool);

        // validation, waiving, run data, a new location, an unchanged operational flag (a rename is
        // a tool_updated event since issue 9: NemoCoverageTest)
        lab.db().update("UPDATE \"NEMO_usageevent\" SET validated = true, waived = true, run_data = '{}' WHERE id = ?", usage);
        lab.db().update("UPDATE \"NEMO_usageevent\" SET \"end\" = \"end\" + interval '1 minute' WHERE id = ?", usage);
        lab.db().update("UPDATE \"NEMO_tool\" SET _location = 'Bay 2', operational = true WHERE id = ?", tool);

        assertThat(lab.outboxRows(tool)).isEqualTo(rows);
        Thread.sleep(1500);
        assertThat(display.on("nemo/tools/" + tool + "/enabled")).hasSize(1);
        assertThat(display.on("nemo/tools/" + tool + "/disabled")).hasSize(1);
        assertThat(display.on("nemo/tools/" + tool + "/state")).hasSize(2);
    }

    @Test
    void operationalChangesPublishEventsAndTheStateOfTheToolAndItsChildren() {
        int parent = lab.tool("Evaporator");
        int child = lab.childTool("Evaporator (crucible B)", parent);

        lab.setOperational(parent, false);

        JsonNode down = display.awaitOne("nemo/tools/" + parent + "/non-operational", WAIT).json();
        assertThat(down.path("event").asText()).isEqualTo("tool_non_operational");
        assertThat(down.path("operational").asBoolean()).isFalse();
        assertThat(down.path("timestamp").asText()).matches(ISO_UTC);
        assertThat(display.awaitOne("nemo/tools/" + parent + "/state", WAIT).json().path("operational").asBoolean()).isFalse();
        assertThat(display.awaitOne("nemo/tools/" + child + "/state", WAIT).json().path("operational").asBoolean()).isFalse();

        lab.setOperational(parent, true);

        JsonNode up = display.awaitOne("nemo/tools/" + parent + "/operational", WAIT).json();
        assertThat(up.path("event").asText()).isEqualTo("tool_operational");
        assertThat(up.path("operational").asBoolean()).isTrue();
        List<Received> states = display.await(r -> r.topic().equals("nemo/tools/" + parent + "/state"), 2, WAIT);
        assertThat(states.get(1).json().path("operational").asBoolean()).isTrue();
    }

    @Test
    void aChildToolsUsageUpdatesTheChildAndTheParentState() {
        int parent = lab.tool("FIB");
        int child = lab.childTool("FIB (EDS)", parent);
        int usage = lab.enable(child, lab.user("Lise", "Meitner"));

        display.awaitOne("nemo/tools/" + child + "/enabled", WAIT);
        assertThat(display.awaitOne("nemo/tools/" + child + "/state", WAIT).json().path("user").asText()).isEqualTo("Lise Meitner");
        assertThat(display.awaitOne("nemo/tools/" + parent + "/state", WAIT).json().path("in_use").asBoolean()).isTrue();

        lab.disable(usage);
        List<Received> parentStates = display.await(r -> r.topic().equals("nemo/tools/" + parent + "/state"), 2, WAIT);
        assertThat(parentStates.get(1).json().path("in_use").asBoolean()).isFalse();
        assertThat(parentStates.get(1).json().path("previous_user").asText()).isEqualTo("Lise Meitner");
    }

    @Test
    void problemReportsPublishTaskEvents() {
        int tool = lab.tool("Furnace");
        int task = lab.task(tool, "Door seal leaks", false);

        JsonNode created = display.awaitOne("nemo/tools/" + tool + "/tasks", WAIT).json();
        assertThat(created.path("event").asText()).isEqualTo("task_created");
        assertThat(created.path("task_id").asInt()).isEqualTo(task);
        assertThat(created.path("tool_name").asText()).isEqualTo("Furnace");
        assertThat(created.path("problem_description").asText()).isEqualTo("Door seal leaks");
        assertThat(created.path("created_at").asText()).matches(ISO_UTC);
        assertThat(created.path("updated_at").asText()).matches(ISO_UTC);

        lab.db().update("UPDATE \"NEMO_task\" SET problem_description = 'Door seal leaks badly' WHERE id = ?", task);
        lab.db().update("UPDATE \"NEMO_task\" SET force_shutdown = true WHERE id = ?", task);
        lab.db().update("UPDATE \"NEMO_task\" SET last_updated = now() WHERE id = ?", task); // no event
        lab.db().update("UPDATE \"NEMO_task\" SET force_shutdown = false, resolved = true WHERE id = ?", task);

        List<Received> tasks = display.await(r -> r.topic().equals("nemo/tools/" + tool + "/tasks"), 4, WAIT);
        assertThat(tasks).extracting(r -> r.json().path("event").asText())
                .containsExactly("task_created", "task_updated", "task_shutdown", "task_updated");
        assertThat(tasks.get(3).json().path("resolved").asBoolean()).isTrue();
        assertThat(lab.outboxEventTypes(tool))
                .containsExactly("tool_created", "task_created", "task_updated", "task_shutdown", "task_updated");

        int hazard = lab.task(tool, "Smoke", true);
        JsonNode shutdown = display.await(r -> r.topic().equals("nemo/tools/" + tool + "/tasks"), 5, WAIT).get(4).json();
        assertThat(shutdown.path("event").asText()).isEqualTo("task_shutdown");
        assertThat(shutdown.path("task_id").asInt()).isEqualTo(hazard);
    }

    @Test
    void anyApplicationPublishesThroughEnqueue() {
        long mapped = lab.enqueue("door_opened", "{\"door\":\"cleanroom\"}", null, null);
        long explicit = lab.enqueue("custom", "{\"n\":1}", null, "nemo/custom/topic");

        Received door = display.awaitOne("nemo/events/door_opened", WAIT);
        assertThat(door.json().path("door").asText()).isEqualTo("cleanroom");
        assertThat(door.json().path("event_id").asText()).isEqualTo(door.userProperties().get("event_id"));
        assertThat(door.userProperties()).containsEntry("event_type", "door_opened");
        assertThat(display.awaitOne("nemo/custom/topic", WAIT).json().path("n").asInt()).isEqualTo(1);
        awaitStatus(mapped, "published");
        awaitStatus(explicit, "published");
    }

    @Test
    void anEnqueuedEnvelopeIsValidatedAndGetsItsEventIdAsMessageId() {
        long invalid = lab.enqueue("envelope", "{\"schema\":\"interservice.envelope.v1\",\"message_type\":\"request\"}",
                null, "nemo/interservice/doors");
        long valid = lab.enqueue("envelope", "{\"schema\":\"interservice.envelope.v1\",\"message_type\":\"event\","
                + "\"event_type\":\"door_opened\",\"source_service\":\"doors\",\"payload\":{\"door\":1}}",
                null, "nemo/interservice/doors");

        Received envelope = display.awaitOne("nemo/interservice/doors", WAIT);
        assertThat(envelope.json().path("message_id").asText()).isEqualTo(envelope.userProperties().get("event_id"));
        assertThat(envelope.json().path("event_type").asText()).isEqualTo("door_opened");
        assertThat(envelope.json().has("timestamp")).isFalse();
        awaitStatus(valid, "published");
        awaitStatus(invalid, "dead");
        assertThat(lastError(invalid)).contains("invalid envelope").contains("request_id").contains("reply_to");
        assertThat(display.on("nemo/interservice/doors")).hasSize(1);
    }

    @Test
    void aPoisonRowGoesDeadWithTheReasonAndDoesNotBlockTheRowsBehindIt() {
        long wildcard = lab.enqueue("bad", "{}", null, "nemo/bad/#");
        long escape = lab.enqueue("escape", "{}", null, "factory/machine/1/telemetry");
        long slash = lab.enqueue("a/b", "{}", null, null);
        long array = lab.enqueue("not_an_object", "[1,2]", null, null);
        long big = lab.enqueue("huge", "{\"blob\":\"" + "x".repeat(300_000) + "\"}", null, null);
        long fine = lab.enqueue("fine_after_poison", "{\"ok\":true}", null, null);

        display.awaitOne("nemo/events/fine_after_poison", WAIT);
        awaitStatus(fine, "published");
        for (long dead : new long[] {wildcard, escape, slash, array, big}) {
            awaitStatus(dead, "dead");
        }
        assertThat(lastError(wildcard)).contains("invalid topic");
        assertThat(lastError(escape)).contains("outside the prefix");
        assertThat(lastError(slash)).contains("cannot be a topic level");
        assertThat(lastError(array)).contains("not a JSON object");
        assertThat(lastError(big)).contains("max-payload-bytes");
    }

    @Test
    void aThousandEventsAcrossTwentyToolsArriveInCommitOrderPerTool() {
        int user = lab.user("Order", "Keeper");
        int[] tools = new int[20];
        Integer[] open = new Integer[20];
        for (int i = 0; i < tools.length; i++) {
            tools[i] = lab.tool("Bench tool " + i);
        }
        Map<Integer, List<String>> expected = new HashMap<>();
        for (int n = 0; n < 1000; n++) {
            int i = (n * 7) % tools.length;
            if (open[i] == null) {
                open[i] = lab.enable(tools[i], user);
                expected.computeIfAbsent(tools[i], k -> new ArrayList<>()).add("tool_enabled:" + open[i]);
            } else {
                lab.disable(open[i]);
                expected.computeIfAbsent(tools[i], k -> new ArrayList<>()).add("tool_disabled:" + open[i]);
                open[i] = null;
            }
        }
        List<Received> events = display.await(r -> r.topic().matches("nemo/tools/\\d+/(enabled|disabled)")
                && expected.containsKey(r.json().path("tool_id").asInt()), 1000, Duration.ofSeconds(60));
        Map<Integer, List<String>> actual = events.stream().collect(Collectors.groupingBy(
                r -> r.json().path("tool_id").asInt(),
                Collectors.mapping(r -> r.json().path("event").asText() + ":" + r.json().path("usage_id").asInt(),
                        Collectors.toList())));
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void aBrokerOutageLosesNothingAndKeepsOrder() {
        int tool = lab.tool("Outage tool");
        int user = lab.user("Patient", "User");
        lab.enable(tool, user);
        display.awaitOne("nemo/tools/" + tool + "/enabled", WAIT);
        // the outage starts with nothing in flight: a message the subscriber saw but whose PUBACK
        // the stopped broker never sent is published again, as at-least-once allows (same event_id)
        awaitStatus(lab.db().queryForObject("SELECT max(id) FROM mqtt_bridge.outbox WHERE tool_id = ?", Long.class, tool),
                "published");

        broker().stop();
        List<Integer> usages = new ArrayList<>();
        Integer open = null;
        for (int i = 0; i < 40; i++) {
            if (open == null) {
                lab.db().update("UPDATE \"NEMO_usageevent\" SET \"end\" = clock_timestamp() WHERE tool_id = ? AND \"end\" IS NULL", tool);
                open = lab.enable(tool, user);
                usages.add(open);
            } else {
                lab.disable(open);
                open = null;
            }
        }
        assertThat(lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE tool_id = ? AND status = 'pending'",
                Integer.class, tool)).isGreaterThanOrEqualTo(40);
        broker().start();
        display.connect();

        List<String> expected = lab.db().queryForList(
                "SELECT event_type FROM mqtt_bridge.outbox WHERE tool_id = ? AND event_type IN ('tool_enabled', 'tool_disabled') "
                        + "ORDER BY id OFFSET 1", String.class, tool);
        List<Received> got = display.await(r -> r.topic().matches("nemo/tools/" + tool + "/(enabled|disabled)"),
                1 + expected.size(), Duration.ofSeconds(60));
        assertThat(got.subList(1, got.size())).extracting(r -> r.json().path("event").asText()).containsExactlyElementsOf(expected);
        // the subscriber can see the last message a moment before its row is marked
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE tool_id = ? AND status <> 'published'",
                Integer.class, tool) > 0) {
            assertThat(System.currentTimeMillis()).as("every row of the tool published").isLessThan(deadline);
            sleep(100);
        }
    }

    void awaitStatus(long outboxId, String status) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (!status.equals(lab.status(outboxId))) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("outbox row " + outboxId + " is " + lab.status(outboxId) + ", expected " + status);
            }
            sleep(100);
        }
    }

    String lastError(long outboxId) {
        return lab.db().queryForObject("SELECT last_error FROM mqtt_bridge.outbox WHERE id = ?", String.class, outboxId);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
