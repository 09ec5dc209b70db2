package org.nemo.bridge.inbound;

import java.time.Instant;

/**
 * One telemetry message as the rules read it: an accepted reading (reason null) or a
 * rejection with its reason and the bytes as they arrived (stored for rejections only).
 */
public record TelemetryReading(
        String topic,
        Instant receivedAt,
        String machineId,
        Instant measuredAt,
        boolean timestampReplaced,
        Double temperature,
        Double humidity,
        Double vibration,
        String extraJson,
        String reason,
        byte[] payload,
        String payloadText) {

    public boolean accepted() {
        return reason == null;
    }

    static TelemetryReading rejected(String topic, Instant receivedAt, String reason, byte[] payload, String text) {
        return new TelemetryReading(topic, receivedAt, null, null, false, null, null, null, null, InboundText.storable(reason),
                payload, InboundText.hasNul(text) ? null : text);
    }

    TelemetryReading refusedBy(String why) {
        String text = payload == null ? null : InboundText.utf8(payload);
        return rejected(topic, receivedAt, "database refused the reading: " + InboundText.cut(why, 200), payload, text);
    }
}
