package org.nemo.bridge.outbound;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.nemo.bridge.inbound.EnvelopeRules;
import org.nemo.bridge.wire.TopicRules;

/**
 * Turns outbox rows into the messages they publish (DESIGN §4): the event on its topic from the
 * topic map, with {@code event_id} and {@code timestamp} added, and the retained state of each
 * tool the event changed, kept within the size a display can hold. A {@code tool_state_refresh}
 * row (the next reservation or the interlock changed) publishes the state only. Marshalling,
 * signing and sending are the route's (routes/outbox.yaml).
 */
public class ToolMessages {

    /** Times on the wire: +00:00, not Z, for older Python consumers. */
    public static final DateTimeFormatter WIRE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");

    static final int STATE_MAX_BYTES = 200;

    /** An outbox row that republishes a tool's state and is no event of its own. */
    static final String STATE_REFRESH = "tool_state_refresh";

    private final ObjectMapper json;
    private final TopicMap topics;
    private final EnvelopeRules envelopes;

    public ToolMessages(ObjectMapper json, TopicMap topics) {
        this.json = json;
        this.topics = topics;
        this.envelopes = new EnvelopeRules(json, Integer.MAX_VALUE);
    }

    /** An enqueued interservice.envelope.v1: it says so, or has the envelope's message_type. */
    static boolean isEnvelope(ObjectNode payload) {
        return "interservice.envelope.v1".equals(payload.path("schema").asText(null)) || payload.has("message_type");
    }

    /**
     * The messages of a fetched batch, in row order (a row's event before its states), as the
     * route splits them: each the event's or state's JSON with the headers outbox_id, topic,
     * retained, event_id and event_type, or outbox_id and problem when the row can never be
     * published.
     */
    public List<Message> forRows(List<Map<String, Object>> rows, Exchange exchange) {
        List<Message> messages = new ArrayList<>(rows.size() * 2);
        for (OutboundMessage message : messagesOf(rows)) {
            messages.add(message.asMessage(exchange));
        }
        return messages;
    }

    List<OutboundMessage> messagesOf(List<Map<String, Object>> rows) {
        List<OutboundMessage> messages = new ArrayList<>(rows.size() * 2);
        for (Map<String, Object> row : rows) {
            forRow(row, messages);
        }
        return messages;
    }

    private void forRow(Map<String, Object> row, List<OutboundMessage> out) {
        long id = ((Number) row.get("id")).longValue();
        Instant createdAt = instant(row.get("created_at"));
        String eventId = String.valueOf(row.get("event_id"));
        String eventType = (String) row.get("event_type");
        Integer toolId = row.get("tool_id") == null ? null : ((Number) row.get("tool_id")).intValue();
        int first = out.size();
        if (row.get("dead_reason") != null) {
            // gone dead in the fetch itself (too large), its payload never loaded
            out.add(OutboundMessage.unpublishable(id, (String) row.get("dead_reason")));
            return;
        }
        try {
            JsonNode payload = json.readTree((String) row.get("payload"));
            if (!(payload instanceof ObjectNode event)) {
                out.add(OutboundMessage.unpublishable(id, "payload is not a JSON object"));
                return;
            }
            if (isEnvelope(event)) {
                // an interservice envelope goes out as the other services expect it: validated,
                // with a message_id (the row's event_id, so a replay keeps it), nothing added
                if (!event.hasNonNull("message_id")) {
                    event.put("message_id", eventId);
                }
                String problem = envelopes.read((String) row.get("topic"), json.writeValueAsBytes(event), createdAt).reason();
                if (problem != null) {
                    out.add(OutboundMessage.unpublishable(id, "invalid envelope: " + problem));
                    return;
                }
            } else {
                if (!event.has("event_id")) {
                    event.put("event_id", eventId);
                }
                if (!event.has("timestamp")) {
                    event.put("timestamp", WIRE_TIME.format(createdAt.atOffset(ZoneOffset.UTC)));
                }
            }
            if (!STATE_REFRESH.equals(eventType)) {
                String topic = topics.eventTopic(eventType, toolId, (String) row.get("topic"), event);
                out.add(new OutboundMessage(id, topic, event, false, eventId, eventType, null));
            }
            String states = (String) row.get("states");
            if (states != null) {
                for (JsonNode state : json.readTree(states)) {
                    out.add(stateMessage(id, state));
                }
            }
            if (out.size() == first) {
                out.add(OutboundMessage.unpublishable(id, "tool " + toolId + " has no state to refresh"));
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            while (out.size() > first) {
                out.remove(out.size() - 1);
            }
            String why = e instanceof TopicRules.InvalidTopicException ? "invalid topic: " : "cannot build the message: ";
            out.add(OutboundMessage.unpublishable(id, why + e.getMessage()));
        }
    }

    private OutboundMessage stateMessage(long id, JsonNode state) throws JsonProcessingException {
        int toolId = state.path("tool_id").asInt();
        return new OutboundMessage(id, topics.stateTopic(toolId), fitted(state), true,
                state.path("event_id").asText(null), state.path("event_type").asText(null), null);
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
        return json.writeValueAsBytes(fitted(state));
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
        return new Rendered(node, json.writeValueAsBytes(node).length);
    }

    /** Never splits a character that takes two UTF-16 units (an emoji, a rare CJK name). */
    private static String withoutLastCharacter(String s) {
        return s.substring(0, s.offsetByCodePoints(s.length(), -1));
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    static Instant instant(Object value) {
        if (value instanceof Timestamp ts) {
            return ts.toInstant();
        }
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof Instant i) {
            return i;
        }
        return Instant.now();
    }
}
