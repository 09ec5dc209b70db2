package org.nemo.bridge.outbound;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.component.jackson.JacksonDataFormat;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
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
    private static final DefaultCamelContext CAMEL = new DefaultCamelContext();
    /** The marshal step of routes/outbox.yaml, with its options. */
    private static final JacksonDataFormat MARSHAL = marshal();

    private static JacksonDataFormat marshal() {
        JacksonDataFormat json = new JacksonDataFormat();
        json.setEnableFeatures("WRITE_BIGDECIMAL_AS_PLAIN");
        json.setCombineUnicodeSurrogates(true);
        json.setCamelContext(CAMEL);
        json.start();
        return json;
    }

    @AfterAll
    static void stopCamel() throws Exception {
        MARSHAL.stop();
        CAMEL.close();
    }

    /** A state as the route sends it: fitted by toolMessages, then marshalled. */
    private byte[] stateBytes(ObjectNode state) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MARSHAL.marshal(new DefaultExchange(CAMEL), messages.fitted(state), out);
        return out.toByteArray();
    }

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

        JsonNode sent = sent(state);

        // leaving out the null keys is enough: nothing else gives way
        assertThat(sent.has("user")).isFalse();
        assertThat(sent.has("previous_user")).isFalse();
        assertThat(sent.path("in_use").asBoolean()).isFalse();
        assertThat(sent.path("tool_name").asText()).isEqualTo("SEM");
        assertThat(sent.path("next_reservation").path("user").asText()).isEqualTo("Marie Curie");
        assertThat(sent.path("next_reservation").path("start").asText()).isEqualTo(TIME);

        state.put("interlock", "locked");

        sent = sent(state);

        // with the interlock it is not: the next reservation's user is the first to give way
        assertThat(sent.has("user")).isFalse();
        assertThat(sent.has("previous_user")).isFalse();
        assertThat(sent.path("tool_name").asText()).isEqualTo("SEM");
        assertThat(sent.path("next_reservation").has("user")).isFalse();
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
    void thePreviousUserGivesWayBeforeTheToolNameIsShortened() throws Exception {
        String toolName = "Electron-beam evaporator with load lock (Temescal)";
        ObjectNode state = state(12, toolName, "Ada Lovelace", "Grace Hopper");
        state.put("interlock", "locked");

        JsonNode sent = sent(state);

        // leaving out the previous user is enough: the tool name stays whole
        assertThat(sent.has("previous_user")).isFalse();
        assertThat(sent.path("tool_name").asText()).isEqualTo(toolName);
        assertThat(sent.path("user").asText()).isEqualTo("Ada Lovelace");

        String longerName = "Electron-beam evaporator with load lock and planetary (Temescal FC-2000)";
        ObjectNode longer = state(12, longerName, "Ada Lovelace", "Grace Hopper");
        longer.put("interlock", "locked");

        sent = sent(longer);

        // it is not: the tool name is shortened too, and no further than it must
        assertThat(sent.has("previous_user")).isFalse();
        String shortened = sent.path("tool_name").asText();
        assertThat(shortened).startsWith("Electron-beam evaporator").endsWith("…");
        assertThat(longerName).startsWith(shortened.substring(0, shortened.length() - 1)).isNotEqualTo(shortened);
        assertThat(sent.path("user").asText()).isEqualTo("Ada Lovelace");
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
    void aCrowdedStateKeepsTheUsageThePreviousUserTheToolNameAndTheInterlock() throws Exception {
        ObjectNode state = state(123, "Mask Aligner", "Ada Lovelace", "Grace Hopper");
        state.putObject("next_reservation").put("user", "Marie Curie").put("start", TIME);
        state.put("interlock", "unlocked");

        JsonNode sent = sent(state);

        // the next reservation gives way before the past and the tool's own name
        assertThat(sent.has("next_reservation")).isFalse();
        assertThat(sent.path("previous_user").asText()).isEqualTo("Grace Hopper");
        assertThat(sent.path("tool_name").asText()).isEqualTo("Mask Aligner");
        assertThat(sent.path("in_use").asBoolean()).isTrue();
        assertThat(sent.path("since").asText()).isEqualTo(TIME);
        assertThat(sent.path("user").asText()).isEqualTo("Ada Lovelace");
        assertThat(sent.path("interlock").asText()).isEqualTo("unlocked");
    }

    /** Issue 21: the demo's SEM showed "Rosal" in use while it kept the next reservation's "Marie". */
    @Test
    void whoIsUsingTheToolNowIsTheLastToGiveWay() throws Exception {
        ObjectNode sem = state(4, "SEM", "Rosalind Franklin", "Grace Hopper");
        sem.putObject("next_reservation").put("user", "Marie Curie").put("start", TIME);
        sem.put("interlock", "unlocked");

        JsonNode sent = sent(sem);

        assertThat(sent.path("user").asText()).isEqualTo("Rosalind Franklin");
        assertThat(sent.path("in_use").asBoolean()).isTrue();
        assertThat(sent.path("since").asText()).isEqualTo(TIME);
        assertThat(sent.path("interlock").asText()).isEqualTo("unlocked");
        // the next reservation's user, then the next reservation gave way; that was enough
        assertThat(sent.has("next_reservation")).isFalse();
        assertThat(sent.path("previous_user").asText()).isEqualTo("Grace Hopper");
        assertThat(sent.path("tool_name").asText()).isEqualTo("SEM");
    }

    @Test
    void withNemoLengthNamesTheCurrentUserStaysWhole() throws Exception {
        String toolName = "Raith EBPG 5200 Electron Beam Lithograph";
        assertThat(toolName).hasSize(40);
        ObjectNode state = state(1234, toolName, "Rosalind Franklin", "Dorothy Crowfoot Hodgkin");
        state.putObject("next_reservation").put("user", "Chien-Shiung Wu").put("start", TIME);
        state.put("interlock", "locked");

        JsonNode sent = sent(state);

        assertThat(sent.path("user").asText()).isEqualTo("Rosalind Franklin");
        assertThat(sent.path("tool_id").asInt()).isEqualTo(1234);
        assertThat(sent.path("in_use").asBoolean()).isTrue();
        assertThat(sent.path("operational").asBoolean()).isTrue();
        assertThat(sent.path("since").asText()).isEqualTo(TIME);
        assertThat(sent.path("interlock").asText()).isEqualTo("locked");
        // the next reservation went first, then the previous user; the tool name stays whole
        assertThat(sent.has("next_reservation")).isFalse();
        assertThat(sent.has("previous_user")).isFalse();
        assertThat(sent.path("tool_name").asText()).isEqualTo(toolName);
    }

    @Test
    void nullKeysGiveWayBeforeTheToolNameIsShortened() throws Exception {
        String toolName = "Oxford Instruments PlasmaPro 100 Cobra ICP Etcher (chamber 2)";
        ObjectNode free = state(6, toolName, null, null);
        free.put("interlock", "locked");

        JsonNode sent = sent(free);

        assertThat(sent.path("tool_name").asText()).isEqualTo(toolName);
        assertThat(sent.has("user")).isFalse();
        assertThat(sent.has("previous_user")).isFalse();
    }

    /**
     * A state with ever longer current users: whatever a step gives up, every step before it has
     * given up all it can, in the order docs/nemo-events.md states, and each step is seen along the
     * way. With a next reservation, an interlock and a previous user, even a one-letter user leaves
     * no room for the next reservation (the two times alone take 58 bytes); a tool without an
     * interlock and with no previous user has room for it, and its user, while the user is short.
     */
    @Test
    void asTheCurrentUsersNameGrowsEverythingElseGivesWayFirstInTheStatedOrder() throws Exception {
        assertThat(stepsAsTheUserGrows(1234, "Mask Aligner MA6 Gen4", "Grace Hopper", null, "locked"))
                .containsExactly("whole", "previous user left out", "tool name shortened", "tool name left out", "user shortened");
        assertThat(stepsAsTheUserGrows(1234, "Raith EBPG 5200 Electron Beam Lithograph", "Dorothy Crowfoot Hodgkin", "Chien-Shiung Wu", "locked"))
                .containsExactly("previous user left out", "tool name shortened", "tool name left out", "user shortened");
        assertThat(stepsAsTheUserGrows(1, "SEM", null, "Marie Curie", null))
                .containsExactly("whole", "next user shortened", "next user left out", "next reservation left out", "tool name left out");
    }

    /** The steps reached, in the order seen, as the current user's name grows a character at a time. */
    private List<String> stepsAsTheUserGrows(int toolId, String toolName, String previousUser, String nextUser, String interlock)
            throws Exception {
        String fullUser = "Rosalind Elsie Franklin of King's College London, Birkbeck and the Royal Institution, London";
        List<String> seen = new ArrayList<>();
        for (int length = 1; length <= fullUser.length(); length++) {
            String user = fullUser.substring(0, length).stripTrailing();
            ObjectNode state = state(toolId, toolName, user, previousUser);
            if (nextUser != null) {
                state.putObject("next_reservation").put("user", nextUser).put("start", TIME);
            }
            if (interlock != null) {
                state.put("interlock", interlock);
            }

            JsonNode sent = sent(state);

            String step = stepReached(sent, toolName, user, previousUser, nextUser);
            if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(step)) {
                seen.add(step);
            }
            assertThat(sent.path("tool_id").asInt()).isEqualTo(toolId);
            assertThat(sent.path("interlock").asText(null)).isEqualTo(interlock);
            assertThat(sent.path("since").asText()).isEqualTo(TIME);
            assertThat(user).startsWith(sent.path("user").asText());
            if (sent.has("next_reservation")) {
                assertThat(sent.path("next_reservation").path("start").asText()).isEqualTo(TIME);
            }
        }
        return seen;
    }

    /** How far a sent state had to give way, checking that every step before it gave all it could. */
    private static String stepReached(JsonNode sent, String toolName, String user, String fullPreviousUser, String fullNextUser) {
        boolean toolNameShown = sent.has("tool_name");
        boolean toolNameWhole = toolNameShown && sent.path("tool_name").asText().equals(toolName);
        boolean previousUser = sent.has("previous_user");
        boolean nextReservation = sent.has("next_reservation");
        String nextUser = sent.path("next_reservation").path("user").asText(null);
        boolean nextUserWhole = fullNextUser == null || fullNextUser.equals(nextUser);
        boolean userWhole = sent.path("user").asText().equals(user);
        if (!userWhole) {
            assertThat(toolNameShown).as("the tool name gave way before the user").isFalse();
        }
        if (!toolNameWhole) {
            assertThat(previousUser).as("the previous user gave way before the tool name").isFalse();
            assertThat(nextReservation).as("the next reservation gave way before the tool name").isFalse();
        }
        if (fullPreviousUser != null && !previousUser) {
            assertThat(nextReservation).as("the next reservation gave way before the previous user").isFalse();
        }
        if (previousUser) {
            assertThat(sent.path("previous_user").asText()).isEqualTo(fullPreviousUser);
        }
        if (!userWhole) {
            return "user shortened";
        }
        if (!toolNameShown) {
            return "tool name left out";
        }
        if (!toolNameWhole) {
            String shortened = sent.path("tool_name").asText();
            assertThat(shortened).endsWith("…").hasSizeGreaterThanOrEqualTo(9);
            assertThat(toolName).startsWith(shortened.substring(0, shortened.length() - 1));
            return "tool name shortened";
        }
        if (fullPreviousUser != null && !previousUser) {
            return "previous user left out";
        }
        if (fullNextUser != null && !nextReservation) {
            return "next reservation left out";
        }
        if (fullNextUser != null && nextUser == null) {
            return "next user left out";
        }
        if (!nextUserWhole) {
            assertThat(nextUser).hasSizeGreaterThanOrEqualTo(4);
            assertThat(fullNextUser).startsWith(nextUser);
            return "next user shortened";
        }
        return "whole";
    }

    @Test
    void aUserNameTooLongForAnyDisplayIsShortenedOnlyOnceAllElseGaveWay() throws Exception {
        String user = "Rosalind Elsie Franklin ".repeat(12);
        ObjectNode state = state(7, "Mask Aligner", user, "Grace Hopper");
        state.putObject("next_reservation").put("user", "Marie Curie").put("start", TIME);
        state.put("interlock", "unlocked");

        JsonNode sent = sent(state);

        assertThat(sent.has("tool_name")).isFalse();
        assertThat(sent.has("previous_user")).isFalse();
        assertThat(sent.has("next_reservation")).isFalse();
        assertThat(sent.path("user").asText()).startsWith("Rosalind Elsie Franklin").isNotEqualTo(user.stripTrailing());
        assertThat(sent.path("in_use").asBoolean()).isTrue();
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
        byte[] bytes = stateBytes(state);
        assertThat(bytes).hasSizeLessThanOrEqualTo(StateFitter.STATE_MAX_BYTES);
        return JSON.readTree(bytes);
    }

    /** The sent state as {@link #sent}, and its bytes valid UTF-8 with no replacement character. */
    private JsonNode sentWholeCharacters(ObjectNode state) throws Exception {
        byte[] bytes = stateBytes(state);
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
