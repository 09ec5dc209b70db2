package org.nemo.bridge.outbound;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.nemo.bridge.wire.Envelope;
import org.nemo.bridge.wire.TopicRules;
import org.nemo.bridge.wire.WireTime;

/**
 * Turns outbox rows into the messages they publish: the event on its topic from the
 * topic map, with {@code event_id} and {@code timestamp} added, and the retained state of each
 * tool the event changed, kept within the size a display can hold. A {@code tool_state_refresh}
 * row (the next reservation or the interlock changed) publishes the state only. Marshalling,
 * signing and sending are the route's (routes/outbox.yaml).
 * <p>
 * A payload's numbers are read as the database prints its jsonb (every digit, the scale of
 * {@code 1.10}, never through a double) and the route writes them back the same way; a number
 * longer than Jackson's limit (1,000 characters) cannot be carried exactly and sends the row dead.
 */
public class ToolMessages {

    /** An outbox row that republishes a tool's state and is no event of its own. */
    static final String STATE_REFRESH = "tool_state_refresh";

    private final ObjectReader json;
    private final TopicMap topics;
    private final StateFitter states;

    public ToolMessages(ObjectMapper json, TopicMap topics) {
        this.json = json.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
        this.topics = topics;
        this.states = new StateFitter(json);
    }

    /**
     * The messages of a fetched batch, in row order (a row's event before its states), as the
     * route splits them: each the event's or state's JSON with the headers outbox_id, topics,
     * retained, event_id and event_type, or outbox_id and problem when the row can never be
     * published.
     */
    public List<Message> forRows(List<Map<String, Object>> rows, Exchange exchange) {
        List<Message> messages = new ArrayList<>(rows.size() * 2);
        for (OutboundMessage message : messagesOf(rows)) {
            messages.add(message.asMessage(exchange));
        }
        return messages;
    }

    List<OutboundMessage> messagesOf(List<Map<String, Object>> rows) {
        List<OutboundMessage> messages = new ArrayList<>(rows.size() * 2);
        for (Map<String, Object> row : rows) {
            forRow(row, messages);
        }
        return messages;
    }

    private void forRow(Map<String, Object> row, List<OutboundMessage> out) {
        long id = ((Number) row.get("id")).longValue();
        Instant createdAt = instant(row.get("created_at"));
        String eventId = String.valueOf(row.get("event_id"));
        String eventType = (String) row.get("event_type");
        Integer toolId = row.get("tool_id") == null ? null : ((Number) row.get("tool_id")).intValue();
        int first = out.size();
        if (row.get("dead_reason") != null) {
            // gone dead in the fetch itself (too large), its payload never loaded
            out.add(OutboundMessage.unpublishable(id, (String) row.get("dead_reason")));
            return;
        }
        try {
            JsonNode payload = json.readTree((String) row.get("payload"));
            if (!(payload instanceof ObjectNode event)) {
                out.add(OutboundMessage.unpublishable(id, "payload is not a JSON object"));
                return;
            }
            if (Envelope.claims(event)) {
                // an interservice envelope goes out as the other services expect it: validated,
                // with a message_id (the row's event_id, so a replay keeps it), nothing added
                if (!event.hasNonNull("message_id")) {
                    event.put("message_id", eventId);
                }
                String problem = Envelope.of(event).reason();
                if (problem != null) {
                    out.add(OutboundMessage.unpublishable(id, "invalid envelope: " + problem));
                    return;
                }
            } else {
                if (!event.has("event_id")) {
                    event.put("event_id", eventId);
                }
                if (!event.has("timestamp")) {
                    event.put("timestamp", WireTime.format(createdAt));
                }
            }
            if (!STATE_REFRESH.equals(eventType)) {
                String topic = topics.eventTopic(eventType, toolId, (String) row.get("topic"), event);
                out.add(new OutboundMessage(id, withDestinations(topic, eventType, toolId, event), event, false, eventId,
                        eventType, null));
            }
            String states = (String) row.get("states");
            if (states != null) {
                for (JsonNode state : json.readTree(states)) {
                    out.add(stateMessage(id, state));
                }
            }
            if (out.size() == first) {
                out.add(OutboundMessage.unpublishable(id, "tool " + toolId + " has no state to refresh"));
            }
        } catch (JsonProcessingException | IllegalArgumentException e) {
            while (out.size() > first) {
                out.remove(out.size() - 1);
            }
            String why;
            if (e instanceof TopicRules.InvalidTopicException) {
                why = "invalid topic: " + e.getMessage();
            } else if (e instanceof StreamConstraintsException tooLong) {
                why = "the payload cannot be carried exactly: " + tooLong.getOriginalMessage();
            } else {
                why = "cannot build the message: " + e.getMessage();
            }
            out.add(OutboundMessage.unpublishable(id, why));
        }
    }

    private OutboundMessage stateMessage(long id, JsonNode state) throws JsonProcessingException {
        int toolId = state.path("tool_id").asInt();
        ObjectNode fitted = states.fitted(state);
        return new OutboundMessage(id, withDestinations(topics.stateTopic(toolId), TopicMap.STATE_KEY, toolId, fitted), fitted,
                true, state.path("event_id").asText(null), state.path("event_type").asText(null), null);
    }

    /** The message's own topic, then the destinations bridge.destinations adds for its kind. */
    private List<String> withDestinations(String topic, String kind, Integer toolId, JsonNode payload) {
        List<String> more = topics.destinations(kind, toolId, payload);
        if (more.isEmpty()) {
            return List.of(topic);
        }
        List<String> all = new ArrayList<>(more.size() + 1);
        all.add(topic);
        all.addAll(more);
        return all;
    }

    static Instant instant(Object value) {
        if (value instanceof Timestamp ts) {
            return ts.toInstant();
        }
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof Instant i) {
            return i;
        }
        return Instant.now();
    }
}
