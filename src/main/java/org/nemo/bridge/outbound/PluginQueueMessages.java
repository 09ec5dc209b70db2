package org.nemo.bridge.outbound;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * A row of the Django plugin's queue as the plugin's own bridge published it: topic, payload,
 * QoS and retain verbatim, the payload wrapped in the HMAC envelope when HMAC is on.
 */
public class PluginQueueMessages {

    private final Supplier<String> hmacKey;

    public PluginQueueMessages(Supplier<String> hmacKey) {
        this.hmacKey = hmacKey;
    }

    /** The row as it goes on the wire, or the reason it never can. */
    public PipelinedPublisher.Outgoing toOutgoing(Map<String, Object> row) {
        long id = ((Number) row.get("id")).longValue();
        String topic = (String) row.get("topic");
        Instant createdAt = ToolMessages.instant(row.get("created_at"));
        Object payload = row.get("payload");
        if (topic == null || topic.isBlank() || payload == null) {
            return new PipelinedPublisher.Outgoing(id, topic, null, "plugin queue row without a topic or payload", createdAt);
        }
        int qos = row.get("qos") instanceof Number n ? n.intValue() : 1;
        if (qos < 0 || qos > 2) {
            return new PipelinedPublisher.Outgoing(id, topic, null, "plugin queue row with QoS " + qos, createdAt);
        }
        byte[] bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
        String key = hmacKey.get();
        MqttMessage message = new MqttMessage(key == null ? bytes : HmacEnvelope.wrap(bytes, key));
        message.setQos(qos);
        message.setRetained(Boolean.TRUE.equals(row.get("retain")));
        return new PipelinedPublisher.Outgoing(id, topic, message, null, createdAt);
    }
}
