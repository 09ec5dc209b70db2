package org.nemo.bridge.outbound;

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
            "area_access", "area_access/{access_id}"));

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

    private static ObjectNode payload(String field, Object value) {
        ObjectNode node = JSON.createObjectNode();
        if (value instanceof Integer i) {
            node.put(field, i);
        } else {
            node.put(field, (String) value);
        }
        return node;
    }
}
