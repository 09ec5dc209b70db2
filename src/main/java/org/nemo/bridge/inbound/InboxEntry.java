package org.nemo.bridge.inbound;

import java.time.Instant;

/**
 * One enveloped message as the inbox keeps it: valid (reason null) or invalid with the reason
 * and the first bridge.inbound.rejected-keep-bytes of its bytes (rawSize: all of them).
 */
public record InboxEntry(
        String messageId,
        String messageType,
        String topic,
        String receivedOn,
        String sourceService,
        String requestId,
        String replyTo,
        String status,
        String eventType,
        String payloadJson,
        String reason,
        byte[] raw,
        Integer rawSize,
        Instant receivedAt) {

    public boolean valid() {
        return reason == null;
    }

    /** The database would not take it as it is: keep the bytes and say why. */
    InboxEntry refusedBy(String why) {
        return new InboxEntry(null, null, null, receivedOn, null, null, null, null, null, null,
                InboundText.storable("database refused the message: " + InboundText.cut(why, 200)), raw, rawSize, receivedAt);
    }
}
