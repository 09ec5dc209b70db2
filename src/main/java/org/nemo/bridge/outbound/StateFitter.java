package org.nemo.bridge.outbound;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A tool's retained state as a display receives it: the fields the outbox row's states carry,
 * made to fit in {@value #STATE_MAX_BYTES} bytes of JSON, the most a small display holds.
 */
class StateFitter {

    static final int STATE_MAX_BYTES = 200;

    private final ObjectMapper json;
    /** Writes a state as the route's marshal does (routes/outbox.yaml), so the size counted is the size sent. */
    private final ObjectWriter sent;

    StateFitter(ObjectMapper json) {
        this.json = json;
        this.sent = json.writer().with(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);
    }

    /**
     * {"tool_id","tool_name","in_use","operational","user","since","previous_user"} and, when the
     * tool has them, {"next_reservation":{"user","start"},"interlock"}, in at most 200 bytes. When
     * it does not fit, what a display can best spare gives way first: the tool name is shortened
     * (a display knows its tool), then keys whose value is null are left out (no information is
     * lost: a missing key reads as null), then the previous user (the past matters least), then
     * the tool name, then the current and next users' names are shortened, then the next user is
     * left out (the start stays), then the next reservation, then the current user. The usage,
     * operational flag, since and interlock always stay, so the last step always fits.
     */
    ObjectNode fitted(JsonNode state) throws JsonProcessingException {
        StateShape shape = new StateShape(state.path("tool_name").asText(""), textOrNull(state.get("user")),
                textOrNull(state.get("previous_user")), textOrNull(state.path("next_reservation").get("user")));
        Rendered rendered = renderState(state, shape);
        String name = shape.toolName;
        while (rendered.bytes() > STATE_MAX_BYTES && name.codePointCount(0, name.length()) > 8) {
            name = withoutLastCharacter(name);
            shape.toolName = name.stripTrailing() + "…";
            rendered = renderState(state, shape);
        }
        for (Runnable giveWay : List.<Runnable>of(
                shape::leaveOutNulls,
                () -> shape.withPreviousUser = false,
                () -> shape.withToolName = false)) {
            if (rendered.bytes() > STATE_MAX_BYTES) {
                giveWay.run();
                rendered = renderState(state, shape);
            }
        }
        while (rendered.bytes() > STATE_MAX_BYTES && shape.shortenLongestUser()) {
            rendered = renderState(state, shape);
        }
        for (Runnable giveWay : List.<Runnable>of(
                () -> shape.nextUser = null,
                () -> shape.withNextReservation = false,
                () -> shape.withUser = false)) {
            if (rendered.bytes() > STATE_MAX_BYTES) {
                giveWay.run();
                rendered = renderState(state, shape);
            }
        }
        return rendered.node();
    }

    /** The state as a display receives it, for the size tests. */
    byte[] stateBytes(JsonNode state) throws JsonProcessingException {
        return sent.writeValueAsBytes(fitted(state));
    }

    /** A state as it would be sent, and its size in bytes as JSON. */
    private record Rendered(ObjectNode node, int bytes) {
    }

    /** What of a state is shown, as it gives way to fit. */
    private static final class StateShape {
        String toolName;
        String user;
        final String previousUser;
        String nextUser;
        boolean withToolName = true;
        boolean withUser = true;
        boolean withPreviousUser = true;
        boolean withNextReservation = true;

        StateShape(String toolName, String user, String previousUser, String nextUser) {
            this.toolName = toolName;
            this.user = user;
            this.previousUser = previousUser;
            this.nextUser = nextUser;
        }

        void leaveOutNulls() {
            withUser = user != null;
            withPreviousUser = previousUser != null;
        }

        /** Takes a character off the longer of the current and next users' names, down to 4; false when neither is longer. */
        boolean shortenLongestUser() {
            int longest = Math.max(length(user), length(nextUser));
            if (longest <= 4) {
                return false;
            }
            if (length(nextUser) == longest) {
                nextUser = withoutLastCharacter(nextUser).stripTrailing();
            } else {
                user = withoutLastCharacter(user).stripTrailing();
            }
            return true;
        }

        private static int length(String s) {
            return s == null ? 0 : s.codePointCount(0, s.length());
        }
    }

    private Rendered renderState(JsonNode state, StateShape shape) throws JsonProcessingException {
        ObjectNode node = json.createObjectNode();
        node.put("tool_id", state.path("tool_id").asInt());
        if (shape.withToolName) {
            node.put("tool_name", shape.toolName);
        }
        node.put("in_use", state.path("in_use").asBoolean());
        node.put("operational", state.path("operational").asBoolean(true));
        if (shape.withUser) {
            node.put("user", shape.user);
        }
        node.put("since", textOrNull(state.get("since")));
        if (shape.withPreviousUser) {
            node.put("previous_user", shape.previousUser);
        }
        JsonNode next = state.get("next_reservation");
        if (shape.withNextReservation && next != null && next.isObject()) {
            ObjectNode reservation = node.putObject("next_reservation");
            reservation.put("user", shape.nextUser);
            reservation.put("start", textOrNull(next.get("start")));
        }
        String interlock = textOrNull(state.get("interlock"));
        if (interlock != null) {
            node.put("interlock", interlock);
        }
        return new Rendered(node, sent.writeValueAsBytes(node).length);
    }

    /** Never splits a character that takes two UTF-16 units (an emoji, a rare CJK name). */
    private static String withoutLastCharacter(String s) {
        return s.substring(0, s.offsetByCodePoints(s.length(), -1));
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
