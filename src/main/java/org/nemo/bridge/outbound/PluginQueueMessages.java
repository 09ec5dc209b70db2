package org.nemo.bridge.outbound;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.nemo.bridge.wire.TopicRules;

/**
 * A row of the Django plugin's queue as the plugin's own bridge published it: topic, payload,
 * QoS and retain verbatim, the payload wrapped in the HMAC envelope when HMAC is on. The topic
 * must be one a row may name ({@link TopicMap#rowTopic}): under the prefix, outside the bridge's
 * own subtrees.
 */
public class PluginQueueMessages {

    private final Supplier<String> hmacKey;
    private final TopicMap topics;

    public PluginQueueMessages(Supplier<String> hmacKey, TopicMap topics) {
        this.hmacKey = hmacKey;
        this.topics = topics;
    }

    /** The row as it goes on the wire, or the reason it never can. */
    public PipelinedPublisher.Outgoing toOutgoing(Map<String, Object> row) {
        long id = ((Number) row.get("id")).longValue();
        String topic = (String) row.get("topic");
        Instant createdAt = ToolMessages.instant(row.get("created_at"));
        if (row.get("dead_reason") != null) {
            // set aside by the fetch itself, its payload never loaded
            return new PipelinedPublisher.Outgoing(id, topic, null, (String) row.get("dead_reason"), createdAt);
        }
        Object payload = row.get("payload");
        if (topic == null || topic.isBlank() || payload == null) {
            return new PipelinedPublisher.Outgoing(id, topic, null, "plugin queue row without a topic or payload", createdAt);
        }
        try {
            topics.rowTopic(topic);
        } catch (TopicRules.InvalidTopicException e) {
            return new PipelinedPublisher.Outgoing(id, topic, null, "invalid topic: " + e.getMessage(), createdAt);
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
