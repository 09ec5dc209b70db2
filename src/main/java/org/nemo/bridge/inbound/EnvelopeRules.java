package org.nemo.bridge.inbound;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.util.MqttTopicValidator;

/**
 * The {@code interservice.envelope.v1} rules (DESIGN §7): fields are trimmed, message_type and
 * status lower-cased, then checked by message type. A request needs request_id and reply_to
 * (a topic one can publish to), a response needs request_id and a status of success or error,
 * an event needs event_type; every message needs its message_id.
 */
public class EnvelopeRules {

    static final String SCHEMA = "interservice.envelope.v1";
    static final Set<String> TYPES = Set.of("request", "response", "event");
    static final Set<String> STATUSES = Set.of("success", "error");

    private final ObjectMapper json;
    private final int maxPayloadBytes;
    private final int keepBytes;

    /** Rules that keep an invalid message's bytes whole (the outbound check of enqueued envelopes). */
    public EnvelopeRules(ObjectMapper json, int maxPayloadBytes) {
        this(json, maxPayloadBytes, maxPayloadBytes);
    }

    /** @param keepBytes how much of an invalid message's bytes is kept */
    public EnvelopeRules(ObjectMapper json, int maxPayloadBytes, int keepBytes) {
        this.json = InboundText.strict(json);
        this.maxPayloadBytes = maxPayloadBytes;
        this.keepBytes = keepBytes;
    }

    /** Route step: the MQTT message in, an {@link InboxEntry} out. */
    public void read(Exchange exchange) {
        InboundDelivery.remember(exchange);
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        byte[] payload = exchange.getMessage().getBody(byte[].class);
        exchange.getMessage().setBody(read(topic, payload == null ? new byte[0] : payload, Instant.now()));
    }

    public InboxEntry read(String receivedOn, byte[] bytes, Instant receivedAt) {
        if (bytes.length > maxPayloadBytes) {
            return invalid(receivedOn, receivedAt, bytes, "payload of " + bytes.length
                    + " bytes is over bridge.inbound.max-payload-bytes (" + maxPayloadBytes + ")");
        }
        String text = InboundText.utf8(bytes);
        if (text == null) {
            return invalid(receivedOn, receivedAt, bytes, "payload is not UTF-8");
        }
        JsonNode tree;
        try {
            tree = InboundText.parse(json, text);
        } catch (JsonProcessingException e) {
            return invalid(receivedOn, receivedAt, bytes, bytes.length == 0 ? "payload is empty" : InboundText.notJson(e));
        }
        if (!(tree instanceof ObjectNode envelope)) {
            return invalid(receivedOn, receivedAt, bytes, "payload is not a JSON object");
        }
        if (InboundText.hasNul(envelope)) {
            return invalid(receivedOn, receivedAt, bytes, "envelope holds a NUL character (\\u0000), which PostgreSQL cannot store");
        }
        List<String> problems = new ArrayList<>();
        String schema = text(envelope, "schema", problems);
        if (schema != null && !SCHEMA.equals(schema)) {
            problems.add("schema is '" + InboundText.cut(schema, 64) + "', not " + SCHEMA);
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
            problems.add("message_type '" + InboundText.cut(messageType, 64) + "' is not request, response or event");
        } else if (messageType.equals("request")) {
            require(requestId, "a request needs request_id", problems);
            require(replyTo, "a request needs reply_to", problems);
            if (replyTo != null && !publishable(replyTo)) {
                problems.add("reply_to '" + InboundText.cut(replyTo, 64) + "' is not a topic one can publish to");
            }
        } else if (messageType.equals("response")) {
            require(requestId, "a response needs request_id", problems);
            if (status == null) {
                problems.add("a response needs status (success or error)");
            } else if (!STATUSES.contains(status)) {
                problems.add("status '" + InboundText.cut(status, 64) + "' is not success or error");
            }
        } else {
            require(eventType, "an event needs event_type", problems);
        }
        JsonNode payload = envelope.get("payload");
        String payloadJson;
        try {
            payloadJson = payload == null || payload.isNull() ? null : json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            payloadJson = null;
            problems.add("payload cannot be written as JSON");
        }
        String reason = problems.isEmpty() ? null : String.join("; ", problems);
        return new InboxEntry(messageId, messageType, topic == null ? receivedOn : topic, receivedOn, sourceService, requestId,
                replyTo, status, eventType, payloadJson, reason, reason == null ? null : InboundText.head(bytes, keepBytes),
                reason == null ? null : bytes.length, receivedAt);
    }

    private InboxEntry invalid(String receivedOn, Instant receivedAt, byte[] raw, String reason) {
        return new InboxEntry(null, null, null, receivedOn, null, null, null, null, null, null, InboundText.storable(reason),
                InboundText.head(raw, keepBytes), raw.length, receivedAt);
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
