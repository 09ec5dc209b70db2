package org.nemo.bridge.inbound;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.nemo.bridge.wire.Envelope;

/**
 * An enveloped MQTT message as the inbox keeps it: bounded, UTF-8, one JSON object without NUL
 * characters, then the {@link Envelope} rules; an invalid one is kept with its reason and the
 * first bytes of it.
 */
public class EnvelopeRules {

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
        if (!(tree instanceof ObjectNode object)) {
            return invalid(receivedOn, receivedAt, bytes, "payload is not a JSON object");
        }
        if (InboundText.hasNul(object)) {
            return invalid(receivedOn, receivedAt, bytes, "envelope holds a NUL character (\\u0000), which PostgreSQL cannot store");
        }
        Envelope envelope = Envelope.of(object);
        List<String> problems = new ArrayList<>(envelope.problems());
        String payloadJson;
        try {
            payloadJson = envelope.payload() == null ? null : json.writeValueAsString(envelope.payload());
        } catch (JsonProcessingException e) {
            payloadJson = null;
            problems.add("payload cannot be written as JSON");
        }
        String reason = problems.isEmpty() ? null : String.join("; ", problems);
        String topic = envelope.topic();
        return new InboxEntry(envelope.messageId(), envelope.messageType(), topic == null ? receivedOn : topic, receivedOn,
                envelope.sourceService(), envelope.requestId(), envelope.replyTo(), envelope.status(), envelope.eventType(),
                payloadJson, reason, reason == null ? null : InboundText.head(bytes, keepBytes),
                reason == null ? null : bytes.length, receivedAt);
    }

    private InboxEntry invalid(String receivedOn, Instant receivedAt, byte[] raw, String reason) {
        return new InboxEntry(null, null, null, receivedOn, null, null, null, null, null, null, InboundText.storable(reason),
                InboundText.head(raw, keepBytes), raw.length, receivedAt);
    }
}
