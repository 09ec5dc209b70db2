package org.nemo.bridge.outbound;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.nemo.bridge.inbound.EnvelopeRules;
import org.nemo.bridge.wire.TopicRules;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * Turns outbox rows into MQTT messages (DESIGN §4): the event on its topic from the topic map,
 * with {@code event_id} and {@code timestamp} added, and the retained state of each tool the
 * event changed, kept within the size a display can hold. A {@code tool_state_refresh} row
 * (the next reservation or the interlock changed) publishes the state only.
 */
public class ToolMessages {

    /** Times on the wire: +00:00, not Z, for older Python consumers. */
    public static final DateTimeFormatter WIRE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxxx");

    static final int STATE_MAX_BYTES = 200;

    /** An outbox row that republishes a tool's state and is no event of its own. */
    static final String STATE_REFRESH = "tool_state_refresh";

    private final ObjectMapper json;
    private final TopicMap topics;
    private final Supplier<String> hmacKey;
    private final EnvelopeRules envelopes;

    public ToolMessages(ObjectMapper json, TopicMap topics, Supplier<String> hmacKey) {
        this.json = json;
        this.topics = topics;
        this.hmacKey = hmacKey;
        this.envelopes = new EnvelopeRules(json, Integer.MAX_VALUE);
    }

    /** An enqueued interservice.envelope.v1: it says so, or has the envelope's message_type. */
    static boolean isEnvelope(ObjectNode payload) {
        return "interservice.envelope.v1".equals(payload.path("schema").asText(null)) || payload.has("message_type");
    }

    /** The messages of a fetched batch, in row order; a row's event comes before its states. */
    public List<OutboundMessage> forRows(List<Map<String, Object>> rows) {
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
            out.add(OutboundMessage.unpublishable(id, createdAt, (String) row.get("dead_reason")));
            return;
        }
        try {
            JsonNode payload = json.readTree((String) row.get("payload"));
            if (!(payload instanceof ObjectNode event)) {
                out.add(OutboundMessage.unpublishable(id, createdAt, "payload is not a JSON object"));
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
                    out.add(OutboundMessage.unpublishable(id, createdAt, "invalid envelope: " + problem));
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
                byte[] bytes = json.writeValueAsBytes(event);
                out.add(new OutboundMessage(id, topic, bytes, false, eventId, eventType, createdAt, null));
            }
            String states = (String) row.get("states");
            if (states != null) {
                for (JsonNode state : json.readTree(states)) {
                    out.add(stateMessage(id, createdAt, state));
                }
            }
            if (out.size() == first) {
                out.add(OutboundMessage.unpublishable(id, createdAt, "tool " + toolId + " has no state to refresh"));
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            while (out.size() > first) {
                out.remove(out.size() - 1);
            }
            String why = e instanceof TopicRules.InvalidTopicException ? "invalid topic: " : "cannot build the message: ";
            out.add(OutboundMessage.unpublishable(id, createdAt, why + e.getMessage()));
        }
    }

    private OutboundMessage stateMessage(long id, Instant createdAt, JsonNode state) throws JsonProcessingException {
        int toolId = state.path("tool_id").asInt();
        byte[] bytes = stateBytes(state);
        return new OutboundMessage(id, topics.stateTopic(toolId), bytes, true,
                state.path("event_id").asText(null), state.path("event_type").asText(null), createdAt, null);
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
    byte[] stateBytes(JsonNode state) throws JsonProcessingException {
        StateShape shape = new StateShape(state.path("tool_name").asText(""), textOrNull(state.get("user")),
                textOrNull(state.get("previous_user")), textOrNull(state.path("next_reservation").get("user")));
        byte[] bytes = renderState(state, shape);
        String name = shape.toolName;
        while (bytes.length > STATE_MAX_BYTES && name.codePointCount(0, name.length()) > 8) {
            name = withoutLastCharacter(name);
            shape.toolName = name.stripTrailing() + "…";
            bytes = renderState(state, shape);
        }
        for (Runnable giveWay : List.<Runnable>of(
                shape::leaveOutNulls,
                () -> shape.withPreviousUser = false,
                () -> shape.withToolName = false)) {
            if (bytes.length > STATE_MAX_BYTES) {
                giveWay.run();
                bytes = renderState(state, shape);
            }
        }
        while (bytes.length > STATE_MAX_BYTES && shape.shortenLongestUser()) {
            bytes = renderState(state, shape);
        }
        for (Runnable giveWay : List.<Runnable>of(
                () -> shape.nextUser = null,
                () -> shape.withNextReservation = false,
                () -> shape.withUser = false)) {
            if (bytes.length > STATE_MAX_BYTES) {
                giveWay.run();
                bytes = renderState(state, shape);
            }
        }
        return bytes;
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

    private byte[] renderState(JsonNode state, StateShape shape) throws JsonProcessingException {
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
        return json.writeValueAsBytes(node);
    }

    /** Never splits a character that takes two UTF-16 units (an emoji, a rare CJK name). */
    private static String withoutLastCharacter(String s) {
        return s.substring(0, s.offsetByCodePoints(s.length(), -1));
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    /** One message as it goes on the wire: QoS 1, retained or not, user properties, the payload signed when HMAC is on. */
    public MqttMessage toMqttMessage(OutboundMessage message) {
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/json");
        properties.setPayloadFormat(true);
        List<UserProperty> userProperties = new ArrayList<>(2);
        if (message.eventId() != null) {
            userProperties.add(new UserProperty("event_id", message.eventId()));
        }
        if (message.eventType() != null) {
            userProperties.add(new UserProperty("event_type", message.eventType()));
        }
        properties.setUserProperties(userProperties);
        // events are signed when an HMAC key is set; the state stays plain JSON for displays
        String key = message.retained() ? null : hmacKey.get();
        MqttMessage mqtt = new MqttMessage(key == null ? message.payload() : HmacEnvelope.wrap(message.payload(), key));
        mqtt.setQos(1);
        mqtt.setRetained(message.retained());
        mqtt.setProperties(properties);
        return mqtt;
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
