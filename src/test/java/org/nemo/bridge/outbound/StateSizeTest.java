package org.nemo.bridge.outbound;

import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retained state a display holds in 200 bytes (DESIGN §4, issue 9): what gives way, in
 * which order, when the next reservation and the interlock crowd it.
 */
class StateSizeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TIME = "2026-04-10T22:50:57.123+00:00";

    private final StateFitter messages = new StateFitter(JSON);

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

    /**
     * An emoji is two UTF-16 units in Java and 4 bytes of UTF-8 on the wire, so a shortening that
     * cut between the units would leave half an emoji (a lone surrogate). Each tool id below is one
     * digit longer than the one before, so the state is one byte longer: over seven of them, a cut
     * every 4 bytes would stop at least once between the two halves.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 12, 123, 1234, 12345, 123456, 1234567})
    void shorteningNeverSplitsACharacter(int toolId) throws Exception {
        String microscope = "\uD83D\uDD2C";
        // the tool name alone is too long: it is shortened, and then it fits
        String toolName = "走査電子顕微鏡 " + microscope.repeat(20);
        ObjectNode longName = state(toolId, toolName, "Ada", null);
        longName.put("interlock", "unlocked");

        JsonNode sent = sentWholeCharacters(longName);

        String shortened = sent.path("tool_name").asText();
        assertThat(shortened).endsWith("…");
        assertWholeCharacters(shortened);
        assertThat(toolName).startsWith(shortened.substring(0, shortened.length() - 1)).isNotEqualTo(shortened);

        // leaving out the previous user and the tool name is not enough: the user's name is shortened
        String user = "エイダ・ラブレス " + microscope.repeat(20);
        ObjectNode longUser = state(toolId, "SEM", user, "Grace Hopper");
        longUser.put("interlock", "unlocked");

        sent = sentWholeCharacters(longUser);

        assertThat(sent.has("previous_user")).isFalse();
        assertWholeCharacters(sent.path("user").asText());
        assertThat(user).startsWith(sent.path("user").asText()).isNotEqualTo(sent.path("user").asText());
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
        assertThat(bytes).hasSizeLessThanOrEqualTo(StateFitter.STATE_MAX_BYTES);
        return JSON.readTree(bytes);
    }

    /** The sent state as {@link #sent}, and its bytes valid UTF-8 with no replacement character. */
    private JsonNode sentWholeCharacters(ObjectNode state) throws Exception {
        byte[] bytes = messages.stateBytes(state);
        String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        assertThat(text).doesNotContain("\uFFFD");
        return sent(state);
    }

    /** No half of a character that takes two UTF-16 units (a lone surrogate), nor a replacement character. */
    private static void assertWholeCharacters(String text) {
        assertThat(text).isNotEmpty().doesNotContain("\uFFFD");
        assertThat(text.codePoints().filter(c -> c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE).count())
                .as("unpaired surrogates in %s", text).isZero();
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
