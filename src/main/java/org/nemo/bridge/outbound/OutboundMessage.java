package org.nemo.bridge.outbound;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultMessage;

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

    /** As the route reads it: the JSON, with headers outbox_id, topics, retained, event_id, event_type, or outbox_id and problem. */
    Message asMessage(Exchange exchange) {
        Message message = new DefaultMessage(exchange);
        message.setHeader("outbox_id", row);
        if (problem != null) {
            message.setHeader("problem", problem);
            return message;
        }
        message.setHeader("topics", topics);
        message.setHeader("retained", retained);
        message.setHeader("event_id", eventId);
        message.setHeader("event_type", eventType);
        message.setBody(json);
        return message;
    }
}
