package org.nemo.bridge.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.paho.mqttv5.common.util.MqttTopicValidator;

/**
 * An {@code interservice.envelope.v1} as the other services read it, whichever way it travels
 * (received from MQTT, or enqueued to be published): fields are trimmed, message_type and status
 * lower-cased, then checked by message type. A request needs request_id and reply_to (a topic
 * one can publish to), a response needs request_id and a status of success or error, an event
 * needs event_type; every message needs its message_id. {@link #reason()} is null when it is valid.
 */
public record Envelope(String messageId, String messageType, String topic, String sourceService, String requestId,
                       String replyTo, String status, String eventType, JsonNode payload, List<String> problems) {

    public static final String SCHEMA = "interservice.envelope.v1";
    static final Set<String> TYPES = Set.of("request", "response", "event");
    static final Set<String> STATUSES = Set.of("success", "error");

    /** An object that says it is an envelope, or has the envelope's message_type. */
    public static boolean claims(ObjectNode object) {
        return SCHEMA.equals(object.path("schema").asText(null)) || object.has("message_type");
    }

    /** Reads and checks the envelope's fields; its problems, if any, are in {@link #problems()}. */
    public static Envelope of(ObjectNode envelope) {
        List<String> problems = new ArrayList<>();
        String schema = text(envelope, "schema", problems);
        if (schema != null && !SCHEMA.equals(schema)) {
            problems.add("schema is '" + cut(schema) + "', not " + SCHEMA);
        }
        String messageId = text(envelope, "message_id", problems);
        String messageType = lower(text(envelope, "message_type", problems));
        String topic = text(envelope, "topic", problems);
        String sourceService = text(envelope, "source_service", problems);
        String requestId = text(envelope, "request_id", problems);
        String replyTo = text(envelope, "reply_to", problems);
        String status = lower(text(envelope, "status", problems));
        String eventType = text(envelope, "event_type", problems);
        if (messageId == null) {
            problems.add("message_id is required");
        }
        if (messageType == null) {
            problems.add("message_type is required (request, response or event)");
        } else if (!TYPES.contains(messageType)) {
            problems.add("message_type '" + cut(messageType) + "' is not request, response or event");
        } else if (messageType.equals("request")) {
            require(requestId, "a request needs request_id", problems);
            require(replyTo, "a request needs reply_to", problems);
            if (replyTo != null && !publishable(replyTo)) {
                problems.add("reply_to '" + cut(replyTo) + "' is not a topic one can publish to");
            }
        } else if (messageType.equals("response")) {
            require(requestId, "a response needs request_id", problems);
            if (status == null) {
                problems.add("a response needs status (success or error)");
            } else if (!STATUSES.contains(status)) {
                problems.add("status '" + cut(status) + "' is not success or error");
            }
        } else {
            require(eventType, "an event needs event_type", problems);
        }
        JsonNode payload = envelope.get("payload");
        return new Envelope(messageId, messageType, topic, sourceService, requestId, replyTo, status, eventType,
                payload == null || payload.isNull() ? null : payload, problems);
    }

    /** Why the envelope is invalid, or null when it is valid. */
    public String reason() {
        return problems.isEmpty() ? null : String.join("; ", problems);
    }

    /** A trimmed string (numbers are accepted as their text); blank is missing; objects and lists are a problem. */
    private static String text(ObjectNode envelope, String field, List<String> problems) {
        JsonNode node = envelope.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isValueNode() || node.isBoolean()) {
            problems.add(field + " must be a string");
            return null;
        }
        String value = node.asText().trim();
        return value.isEmpty() ? null : value;
    }

    private static String lower(String value) {
        return value == null ? null : value.toLowerCase(Locale.ROOT);
    }

    private static String cut(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "…";
    }

    private static void require(String value, String problem, List<String> problems) {
        if (value == null) {
            problems.add(problem);
        }
    }

    private static boolean publishable(String topic) {
        try {
            MqttTopicValidator.validate(topic, false, true);
            return !topic.startsWith("$");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
