package org.nemo.bridge.outbound;

import java.util.List;
import java.util.function.BooleanSupplier;

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
     * it does not fit, what a display can best spare gives way, one step at a time and only as far
     * as needed, in this order: keys whose value is null are left out (nothing is lost: a missing
     * key reads as null); the next reservation's user is shortened to 4 characters, then left out
     * (its start stays); the next reservation is left out; the previous user is left out; the tool
     * name is shortened to 8 characters and "…" (a display knows its tool), then left out. The
     * current user's name is the last to give way, a display's first line: only then is it
     * shortened, as far as it must. The usage, operational flag, since and interlock always stay,
     * and with them a user's first character always fits.
     */
    ObjectNode fitted(JsonNode state) throws JsonProcessingException {
        JsonNode next = state.get("next_reservation");
        boolean hasNext = next != null && next.isObject();
        StateShape shape = new StateShape(state.path("tool_name").asText(""), textOrNull(state.get("user")),
                textOrNull(state.get("previous_user")), hasNext, hasNext ? textOrNull(next.get("user")) : null);
        Rendered rendered = renderState(state, shape);
        for (BooleanSupplier giveWay : List.<BooleanSupplier>of(
                shape::leaveOutNulls,
                shape::shortenNextUser,
                shape::leaveOutNextUser,
                shape::leaveOutNextReservation,
                shape::leaveOutPreviousUser,
                shape::shortenToolName,
                shape::leaveOutToolName,
                shape::shortenUser,
                shape::leaveOutUser)) {
            while (rendered.bytes() > STATE_MAX_BYTES && giveWay.getAsBoolean()) {
                rendered = renderState(state, shape);
            }
        }
        return rendered.node();
    }

    /** A state as it would be sent, and its size in bytes as JSON. */
    private record Rendered(ObjectNode node, int bytes) {
    }

    /**
     * What of a state is shown, as it gives way to fit. Each step changes it a little and says
     * whether it did; false once the step has nothing more to give.
     */
    private static final class StateShape {
        private static final int TOOL_NAME_MIN = 8;
        private static final int NEXT_USER_MIN = 4;
        private static final int USER_MIN = 1;

        final String fullToolName;
        int toolNameLength;
        String user;
        final String previousUser;
        String nextUser;
        boolean withToolName = true;
        boolean withUser = true;
        boolean withPreviousUser = true;
        boolean withNextReservation;

        StateShape(String toolName, String user, String previousUser, boolean nextReservation, String nextUser) {
            this.fullToolName = toolName;
            this.toolNameLength = length(toolName);
            this.user = user;
            this.previousUser = previousUser;
            this.withNextReservation = nextReservation;
            this.nextUser = nextUser;
        }

        String toolName() {
            return toolNameLength == length(fullToolName) ? fullToolName
                    : fullToolName.substring(0, fullToolName.offsetByCodePoints(0, toolNameLength)).stripTrailing() + "…";
        }

        boolean leaveOutNulls() {
            boolean changed = (withUser && user == null) || (withPreviousUser && previousUser == null);
            withUser = withUser && user != null;
            withPreviousUser = withPreviousUser && previousUser != null;
            return changed;
        }

        boolean shortenToolName() {
            if (toolNameLength <= TOOL_NAME_MIN) {
                return false;
            }
            toolNameLength--;
            return true;
        }

        boolean leaveOutPreviousUser() {
            boolean changed = withPreviousUser;
            withPreviousUser = false;
            return changed;
        }

        boolean leaveOutToolName() {
            boolean changed = withToolName;
            withToolName = false;
            return changed;
        }

        boolean shortenNextUser() {
            if (!withNextReservation || length(nextUser) <= NEXT_USER_MIN) {
                return false;
            }
            nextUser = withoutLastCharacter(nextUser).stripTrailing();
            return true;
        }

        boolean leaveOutNextUser() {
            boolean changed = withNextReservation && nextUser != null;
            nextUser = null;
            return changed;
        }

        boolean leaveOutNextReservation() {
            boolean changed = withNextReservation;
            withNextReservation = false;
            return changed;
        }

        boolean shortenUser() {
            if (!withUser || length(user) <= USER_MIN) {
                return false;
            }
            user = withoutLastCharacter(user).stripTrailing();
            return true;
        }

        boolean leaveOutUser() {
            boolean changed = withUser;
            withUser = false;
            return changed;
        }

        private static int length(String s) {
            return s == null ? 0 : s.codePointCount(0, s.length());
        }
    }

    private Rendered renderState(JsonNode state, StateShape shape) throws JsonProcessingException {
        ObjectNode node = json.createObjectNode();
        node.put("tool_id", state.path("tool_id").asInt());
        if (shape.withToolName) {
            node.put("tool_name", shape.toolName());
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
        if (shape.withNextReservation) {
            ObjectNode reservation = node.putObject("next_reservation");
            if (shape.nextUser != null) {
                reservation.put("user", shape.nextUser);
            }
            reservation.put("start", textOrNull(state.path("next_reservation").get("start")));
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
