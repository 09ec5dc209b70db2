package org.nemo.bridge.outbound;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retained state a display holds in 200 bytes (DESIGN §4, issue 9): what gives way, in
 * which order, when the next reservation and the interlock crowd it.
 */
class StateSizeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TIME = "2026-04-10T22:50:57.123+00:00";

    private final ToolMessages messages = new ToolMessages(JSON,
            new TopicMap("nemo", Map.of("default", "events/{event_type}", "tool_state", "tools/{tool_id}/state")), () -> null);

    @Test
    void aStateThatFitsIsSentWhole() throws Exception {
        ObjectNode state = state(12, "Mask Aligner", "Ada Lovelace", "Grace Hopper");
        state.put("interlock", "unlocked");

        JsonNode sent = sent(state);

        assertThat(sent.path("tool_name").asText()).isEqualTo("Mask Aligner");
        assertThat(sent.path("user").asText()).isEqualTo("Ada Lovelace");
        assertThat(sent.path("previous_user").asText()).isEqualTo("Grace Hopper");
        assertThat(sent.path("interlock").asText()).isEqualTo("unlocked");
    }

    @Test
    void nullsGiveWayBeforeAnyInformation() throws Exception {
        ObjectNode state = state(12, "SEM", null, null);
        state.putObject("next_reservation").put("user", "Marie Curie").put("start", TIME);
        state.put("interlock", "locked");

        JsonNode sent = sent(state);

        assertThat(sent.has("user")).isFalse();
        assertThat(sent.has("previous_user")).isFalse();
        assertThat(sent.path("in_use").asBoolean()).isFalse();
        assertThat(sent.path("next_reservation").path("user").asText()).isEqualTo("Marie Curie");
        assertThat(sent.path("next_reservation").path("start").asText()).isEqualTo(TIME);
        assertThat(sent.path("interlock").asText()).isEqualTo("locked");
    }

    @Test
    void withoutANextReservationOrInterlockTheirKeysAreLeftOut() throws Exception {
        JsonNode sent = sent(state(12, "SEM", "Ada Lovelace", "Grace Hopper"));

        assertThat(sent.has("next_reservation")).isFalse();
        assertThat(sent.has("interlock")).isFalse();
        assertThat(sent.path("previous_user").asText()).isEqualTo("Grace Hopper");
    }

    @Test
    void theToolNameIsShortenedFirst() throws Exception {
        ObjectNode state = state(12, "Electron-beam evaporator with load lock (Temescal)", "Ada Lovelace", "Grace Hopper");
        state.put("interlock", "locked");

        JsonNode sent = sent(state);

        assertThat(sent.path("tool_name").asText()).startsWith("Electron").endsWith("…");
        assertThat(sent.path("user").asText()).isEqualTo("Ada Lovelace");
        assertThat(sent.path("previous_user").asText()).isEqualTo("Grace Hopper");
    }

    @Test
    void shorteningNeverSplitsACharacter() throws Exception {
        String microscope = "\uD83D\uDD2C";
        ObjectNode state = state(12, "SEM", "Ada " + microscope.repeat(10), null);
        state.put("interlock", "unlocked");

        JsonNode sent = sent(state);

        assertThat(sent.path("user").asText()).matches("Ada (" + microscope + ")+");
    }

    @Test
    void aCrowdedStateKeepsTheUsageTheNextReservationAndTheInterlock() throws Exception {
        ObjectNode state = state(123, "Mask Aligner", "Ada Lovelace", "Grace Hopper");
        state.putObject("next_reservation").put("user", "Marie Curie").put("start", TIME);
        state.put("interlock", "unlocked");

        JsonNode sent = sent(state);

        // the past and the tool's own name give way before the people who use it now and next
        assertThat(sent.has("previous_user")).isFalse();
        assertThat(sent.path("in_use").asBoolean()).isTrue();
        assertThat(sent.path("since").asText()).isEqualTo(TIME);
        assertThat(sent.path("user").asText()).startsWith("Ada");
        assertThat(sent.path("next_reservation").path("user").asText()).startsWith("Mari");
        assertThat(sent.path("next_reservation").path("start").asText()).isEqualTo(TIME);
        assertThat(sent.path("interlock").asText()).isEqualTo("unlocked");
    }

    @Test
    void evenTheLongestStateFits() throws Exception {
        String long4Byte = "\uD83D\uDD2C".repeat(60);
        ObjectNode state = state(Integer.MAX_VALUE, long4Byte, long4Byte, long4Byte);
        state.put("operational", false);
        state.putObject("next_reservation").put("user", long4Byte).put("start", TIME);
        state.put("interlock", "unlocked");

        JsonNode sent = sent(state);

        assertThat(sent.path("tool_id").asInt()).isEqualTo(Integer.MAX_VALUE);
        assertThat(sent.path("in_use").asBoolean()).isTrue();
        assertThat(sent.path("operational").asBoolean()).isFalse();
        assertThat(sent.path("since").asText()).isEqualTo(TIME);
        assertThat(sent.path("interlock").asText()).isEqualTo("unlocked");
    }

    private JsonNode sent(ObjectNode state) throws Exception {
        byte[] bytes = messages.stateBytes(state);
        assertThat(bytes).hasSizeLessThanOrEqualTo(ToolMessages.STATE_MAX_BYTES);
        return JSON.readTree(bytes);
    }

    private static ObjectNode state(int toolId, String name, String user, String previous) {
        ObjectNode state = JSON.createObjectNode();
        state.put("tool_id", toolId);
        state.put("tool_name", name);
        state.put("in_use", user != null);
        state.put("operational", true);
        state.put("user", user);
        state.put("since", TIME);
        state.put("previous_user", previous);
        return state;
    }
}
