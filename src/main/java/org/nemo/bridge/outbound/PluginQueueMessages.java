package org.nemo.bridge.outbound;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultMessage;
import org.nemo.bridge.mqtt.MqttBatchHeaders;
import org.nemo.bridge.wire.TopicRules;

/**
 * Rows of the Django plugin's queue as the plugin's own bridge published them: topic, payload,
 * QoS and retain verbatim (routes/plugin-queue.yaml). A row is published when it has a topic and
 * a payload, a QoS of 0 to 2, and a topic a row may name ({@link TopicMap#rowTopic}: under the
 * prefix, outside the bridge's own subtrees).
 */
public class PluginQueueMessages {

    private final TopicMap topics;

    public PluginQueueMessages(TopicMap topics) {
        this.topics = topics;
    }

    /**
     * The messages of a fetched batch, in id order, as mqtt-batch reads them (docs/mqtt-batch.md):
     * each the row's payload as UTF-8 bytes with the headers mqttRow (the row's id), mqttTopics
     * (its topic), mqttQos and mqttRetained, or mqttRow, mqttTopics and mqttProblem when the row
     * can never be published.
     */
    public List<Message> forRows(List<Map<String, Object>> rows, Exchange exchange) {
        List<Message> messages = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            Message message = new DefaultMessage(exchange);
            message.setHeader(MqttBatchHeaders.ROW, row.get("id"));
            message.setHeader(MqttBatchHeaders.TOPICS, row.get("topic"));
            String problem = problem(row);
            if (problem != null) {
                message.setHeader(MqttBatchHeaders.PROBLEM, problem);
            } else {
                message.setHeader(MqttBatchHeaders.QOS, row.get("qos"));
                message.setHeader(MqttBatchHeaders.RETAINED, row.get("retain"));
                message.setBody(String.valueOf(row.get("payload")).getBytes(StandardCharsets.UTF_8));
            }
            messages.add(message);
        }
        return messages;
    }

    /** Why the row can never be published, or null when it can. */
    String problem(Map<String, Object> row) {
        if (row.get("dead_reason") != null) {
            // set aside by the fetch itself, its payload never loaded
            return (String) row.get("dead_reason");
        }
        String topic = (String) row.get("topic");
        if (topic == null || topic.isBlank() || row.get("payload") == null) {
            return "plugin queue row without a topic or payload";
        }
        try {
            topics.rowTopic(topic);
        } catch (TopicRules.InvalidTopicException e) {
            return "invalid topic: " + e.getMessage();
        }
        int qos = row.get("qos") instanceof Number n ? n.intValue() : 1;
        if (qos < 0 || qos > 2) {
            return "plugin queue row with QoS " + qos;
        }
        return null;
    }
}
