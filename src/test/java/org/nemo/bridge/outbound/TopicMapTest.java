package org.nemo.bridge.outbound;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Topics from configuration: events that are not about a tool are placed by a payload field. */
class TopicMapTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TopicMap topics = new TopicMap("nemo", Map.of(
            "default", "events/{event_type}",
            "tool_state", "tools/{tool_id}/state",
            "interlock_locked", "tools/{tool_id}/interlock",
            "reservation_created", "reservations/{reservation_id}",
            "area_access", "area_access/{access_id}"), List.of(), false, Map.of());

    @Test
    void aPayloadFieldFillsItsPlaceholder() {
        assertThat(topics.eventTopic("reservation_created", null, null, payload("reservation_id", 42)))
                .isEqualTo("nemo/reservations/42");
        assertThat(topics.eventTopic("area_access", null, null, payload("access_id", "7")))
                .isEqualTo("nemo/area_access/7");
        assertThat(topics.eventTopic("interlock_locked", 3, null, payload("tool_id", 99)))
                .as("the row's tool wins over the payload's").isEqualTo("nemo/tools/3/interlock");
    }

    @Test
    void aNumberPlacesTheEventAsTheDatabasePrintsIt() {
        ObjectNode payload = JSON.createObjectNode();
        payload.put("reservation_id", new BigDecimal("0.0000001"));
        assertThat(topics.eventTopic("reservation_created", null, null, payload)).isEqualTo("nemo/reservations/0.0000001");
        payload.put("reservation_id", new BigDecimal("1.10"));
        assertThat(topics.eventTopic("reservation_created", null, null, payload)).isEqualTo("nemo/reservations/1.10");
        payload.put("reservation_id", new BigInteger("123456789012345678901234567890"));
        assertThat(topics.eventTopic("reservation_created", null, null, payload))
                .isEqualTo("nemo/reservations/123456789012345678901234567890");
    }

    @Test
    void aMissingOrUnsafeFieldCannotPlaceTheEvent() {
        assertThatThrownBy(() -> topics.eventTopic("reservation_created", null, null, JSON.createObjectNode()))
                .hasMessageContaining("needs a reservation_id");
        assertThatThrownBy(() -> topics.eventTopic("reservation_created", null, null, payload("reservation_id", "1/#")))
                .hasMessageContaining("cannot be a topic level");
        ObjectNode nested = JSON.createObjectNode();
        nested.putObject("reservation_id").put("id", 1);
        assertThatThrownBy(() -> topics.eventTopic("reservation_created", null, null, nested))
                .hasMessageContaining("needs a reservation_id");
    }

    @Test
    void aLevelOrTopicThatPahoWouldRefuseOnItsSenderThreadIsRefusedHere() {
        for (String eventType : List.of("bad\u0001type", "line\nbreak", "del\u007f", "c1\u0085", "nonchar\uffff", "lone\ud800")) {
            assertThatThrownBy(() -> topics.eventTopic(eventType, null, null, JSON.createObjectNode()))
                    .as(eventType).hasMessageContaining("cannot be a topic level").hasMessageNotContaining("\n");
        }
        for (String topic : List.of("nemo/lab/ctl\u0001x", "nemo/lab/\udc00", "nemo/lab/a+b", "nemo/lab/#")) {
            assertThatThrownBy(() -> topics.eventTopic("custom", null, topic, null)).as(topic).hasMessageContaining("cannot be a topic");
        }
    }

    @Test
    void aRowsOwnTopicStaysUnderThePrefixAndOutOfTheBridgesOwnSubtrees() {
        TopicMap guarded = new TopicMap("nemo", Map.of("default", "events/{event_type}", "tool_state", "tools/{tool_id}/state"),
                List.of("nemo/inbound/#", "factory/machine/+/telemetry"), false, Map.of());
        for (String topic : List.of("nemo/inbound/spoof", "nemo/inbound", "nemo/tools/1/state", "nemo/bridge/status")) {
            assertThatThrownBy(() -> guarded.rowTopic(topic)).as(topic).hasMessageContaining("own subtree");
        }
        assertThatThrownBy(() -> guarded.rowTopic("factory/machine/x/telemetry")).hasMessageContaining("outside the prefix");
        assertThat(guarded.rowTopic("nemo/lab/door")).isEqualTo("nemo/lab/door");
        assertThat(guarded.rowTopic("nemo/tools/1/state/history")).isEqualTo("nemo/tools/1/state/history");
    }

    @Test
    void theReservedSubtreesOpenWhenTheSettingAllowsThem() {
        TopicMap open = new TopicMap("nemo", Map.of("default", "events/{event_type}", "tool_state", "tools/{tool_id}/state"),
                List.of("nemo/inbound/#"), true, Map.of());
        assertThat(open.eventTopic("custom", null, "nemo/inbound/spoof", null)).isEqualTo("nemo/inbound/spoof");
        assertThat(open.rowTopic("nemo/tools/1/state")).isEqualTo("nemo/tools/1/state");
        assertThat(open.rowTopic("nemo/bridge/status")).isEqualTo("nemo/bridge/status");
        assertThatThrownBy(() -> open.rowTopic("factory/machine/x/telemetry")).hasMessageContaining("outside the prefix");
        assertThatThrownBy(() -> open.rowTopic("nemo/inbound/\u0001")).hasMessageContaining("control character");
    }

    private static ObjectNode payload(String field, Object value) {
        ObjectNode node = JSON.createObjectNode();
        if (value instanceof Integer i) {
            node.put(field, i);
        } else {
            node.put(field, (String) value);
        }
        return node;
    }

    @Test
    void destinationsAddTopicsForTheirKindFilledInLikeTheTopicMapButNotUnderThePrefix() {
        TopicMap withWall = new TopicMap("nemo", Map.of("default", "events/{event_type}", "tool_state", "tools/{tool_id}/state"),
                List.of("nemo/inbound/#"), false,
                Map.of("tool_state", List.of("lab/wall/{tool_id}"), "reservation_created", List.of("lab/desk/{reservation_id}", "nemo/log/{event_type}")));
        assertThat(withWall.destinations("tool_state", 7, null)).containsExactly("lab/wall/7");
        assertThat(withWall.destinations("reservation_created", null, payload("reservation_id", 42)))
                .containsExactly("lab/desk/42", "nemo/log/reservation_created");
        assertThat(withWall.destinations("tool_enabled", 7, null)).isEmpty();
        // a level filled in from data stays one level
        assertThatThrownBy(() -> withWall.destinations("reservation_created", null, payload("reservation_id", "1/#")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDestinationThatCanNeverBeATopicOrLandsInTheBridgesOwnSubtreesStopsTheStart() {
        Map<String, String> templates = Map.of("default", "events/{event_type}", "tool_state", "tools/{tool_id}/state");
        assertThatThrownBy(() -> new TopicMap("nemo", templates, List.of("nemo/inbound/#"), false,
                Map.of("tool_state", List.of("lab/wall/+/{tool_id}"))))
                .hasMessageContaining("bridge.destinations.tool_state: 'lab/wall/+/{tool_id}' is no topic to publish to");
        assertThatThrownBy(() -> new TopicMap("nemo", templates, List.of("nemo/inbound/#"), false,
                Map.of("tool_enabled", List.of("nemo/inbound/{tool_id}"))))
                .hasMessageContaining("bridge.destinations.tool_enabled").hasMessageContaining("own subtree");
    }
}
