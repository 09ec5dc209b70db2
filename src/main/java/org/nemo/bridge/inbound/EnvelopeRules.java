package org.nemo.bridge.inbound;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nemo.bridge.wire.Envelope;

/**
 * An enveloped MQTT message as the inbox keeps it: bounded, UTF-8, one JSON object without NUL
 * characters, then the {@link Envelope} rules; an invalid one is kept with its reason and the
 * first bytes of it.
 */
public class EnvelopeRules implements InboundRules {

    private final ObjectMapper json;
    private final int maxPayloadBytes;
    private final int keepBytes;

    /** @param keepBytes how much of an invalid message's bytes is kept */
    public EnvelopeRules(ObjectMapper json, int maxPayloadBytes, int keepBytes) {
        this.json = InboundText.strict(json);
        this.maxPayloadBytes = maxPayloadBytes;
        this.keepBytes = keepBytes;
    }

    /** An envelope's retain flag changes nothing: it is stored once per message_id either way. */
    @Override
    public InboxEntry read(String receivedOn, byte[] bytes, Instant receivedAt, boolean replayed) {
        return read(receivedOn, bytes, receivedAt);
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
