package org.nemo.bridge.outbound;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultMessage;
import org.nemo.bridge.mqtt.MqttBatchHeaders;

/**
 * One MQTT message of an outbox row, before it is marshalled: a row yields its event and, for
 * events that change a tool, the retained states. {@code topics} are where it goes: its own
 * topic first, then those {@code bridge.destinations} adds. {@code problem} is set, and nothing
 * else but the row, when the row can never be published.
 */
public record OutboundMessage(long row, List<String> topics, JsonNode json, boolean retained, String eventId,
                              String eventType, String problem) {

    static OutboundMessage unpublishable(long row, String problem) {
        return new OutboundMessage(row, List.of(), null, false, null, null, problem);
    }

    /**
     * As mqtt-batch reads it (docs/mqtt-batch.md): the JSON, with the headers mqttRow, mqttTopics,
     * mqttRetained, event_id and event_type, or mqttRow and mqttProblem.
     */
    Message asMessage(Exchange exchange) {
        Message message = new DefaultMessage(exchange);
        message.setHeader(MqttBatchHeaders.ROW, row);
        if (problem != null) {
            message.setHeader(MqttBatchHeaders.PROBLEM, problem);
            return message;
        }
        message.setHeader(MqttBatchHeaders.TOPICS, topics);
        message.setHeader(MqttBatchHeaders.RETAINED, retained);
        message.setHeader("event_id", eventId);
        message.setHeader("event_type", eventType);
        message.setBody(json);
        return message;
    }
}
