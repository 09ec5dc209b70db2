package org.nemo.bridge.inbound;

import java.time.Instant;

/**
 * One telemetry message as the rules read it: an accepted reading (reason null) or a
 * rejection with its reason. Of the bytes as they arrived only the first
 * bridge.inbound.rejected-keep-bytes are held (and stored, for rejections), with their full
 * size: a burst of large messages costs neither heap nor table space. A retained message (one
 * the broker replayed on subscribe) carries the SHA-256 of its whole payload, so the store
 * keeps it once; a payload timestamp that was not used is kept with the reason.
 */
public record TelemetryReading(
        String topic,
        Instant receivedAt,
        String machineId,
        Instant measuredAt,
        boolean timestampReplaced,
        String reportedTimestamp,
        String timestampRejected,
        Double temperature,
        Double humidity,
        Double vibration,
        String extraJson,
        String reason,
        byte[] payload,
        String payloadText,
        int payloadSize,
        String retainedSha256) {

    public boolean accepted() {
        return reason == null;
    }

    public boolean retained() {
        return retainedSha256 != null;
    }

    static TelemetryReading rejected(String topic, Instant receivedAt, String reason, byte[] payload, int keepBytes,
                                     String retainedSha256) {
        byte[] kept = InboundText.head(payload, keepBytes);
        String text = InboundText.utf8(kept);
        return new TelemetryReading(topic, receivedAt, null, null, false, null, null, null, null, null, null,
                InboundText.storable(reason), kept, InboundText.hasNul(text) ? null : text, payload.length, retainedSha256);
    }

    /** The same message, rejected: turned away by the machine limit, or refused by the database. */
    TelemetryReading rejectedBecause(String why) {
        String text = InboundText.utf8(payload);
        return new TelemetryReading(topic, receivedAt, null, null, false, null, null, null, null, null, null,
                InboundText.storable(why), payload, InboundText.hasNul(text) ? null : text, payloadSize, retainedSha256);
    }

    TelemetryReading refusedBy(String why) {
        return rejectedBecause("database refused the reading: " + InboundText.cut(why, 200));
    }
}
