package org.nemo.bridge.outbound;

import java.time.Instant;

/**
 * One MQTT message to publish for an outbox row; a row yields its event and, for events that
 * change a tool, the retained states. {@code problem} is set when the row cannot be published.
 */
public record OutboundMessage(long outboxId, String topic, byte[] payload, boolean retained,
                              String eventId, String eventType, Instant createdAt,
                              String problem) {

    static OutboundMessage unpublishable(long outboxId, Instant createdAt, String problem) {
        return new OutboundMessage(outboxId, null, null, false, null, null, createdAt, problem);
    }
}
