package org.nemo.bridge.outbound;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import org.apache.camel.Exchange;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.nemo.bridge.ops.Leadership;
import org.nemo.bridge.wire.TopicRules;

/**
 * Publishes a fetched batch the way the drain routes need it, faster than one PUBACK round trip
 * per message: the messages go out in row order on the one connection, up to the broker's
 * Receive Maximum of them awaiting their PUBACK at once, and the PUBACKs are taken in the same
 * order. Order per tool holds because MQTT keeps the order of one connection; a row counts as
 * published only once every message of it was acknowledged, so the route marks the batch with
 * one UPDATE after this returns.
 *
 * <p>Sets on the exchange: {@code publishedIds} (the rows to mark, as a PostgreSQL array
 * literal), {@code publishedCount}, {@code publishedCreatedAt} (for the latency metric) and
 * {@code deadRows} (maps of {@code id}, {@code topic}, {@code reason}: rows the broker rejected
 * or that cannot be published, to be set aside while the rows behind them go on).
 *
 * <p>A lost connection or a late PUBACK throws, and the route's redelivery fetches the batch
 * again: what is still pending then, so a row an operator marked dead meanwhile is never
 * published, and nothing is skipped or overtaken (a duplicate, with its event_id, can follow).
 * A message the broker or the MQTT client refuses for itself goes dead alone; it never
 * throws, so it never drops the connection nor holds up the rows behind it.
 */
public class PipelinedPublisher {

    /** Bound on unacknowledged messages even when the broker allows more: memory and fairness. */
    static final int MAX_WINDOW = 1_000;

    /** One message of a row, ready for the wire, or the reason it can never be published. */
    public record Outgoing(long rowId, String topic, MqttMessage message, String problem, Instant createdAt) {
    }

    private record InFlight(int index, IMqttToken token) {
    }

    /** Where a batch stands. */
    private static final class Progress {
        int next;
        final Map<Long, Map<String, Object>> dead = new LinkedHashMap<>();
    }

    private final OutboundMqttClient client;
    private final Leadership leadership;
    private final ToolMessages toolMessages;
    private final PluginQueueMessages pluginQueueMessages;

    public PipelinedPublisher(OutboundMqttClient client, Leadership leadership, ToolMessages toolMessages,
                              PluginQueueMessages pluginQueueMessages) {
        this.client = client;
        this.leadership = leadership;
        this.toolMessages = toolMessages;
        this.pluginQueueMessages = pluginQueueMessages;
    }

    /** The outbox: body is the batch's {@link OutboundMessage}s, from {@link ToolMessages#forRows}. */
    public void publishOutbox(Exchange exchange) throws MqttException {
        @SuppressWarnings("unchecked")
        List<OutboundMessage> messages = exchange.getMessage().getBody(List.class);
        List<Outgoing> outgoing = new ArrayList<>(messages.size());
        for (OutboundMessage m : messages) {
            outgoing.add(m.problem() != null ? new Outgoing(m.outboxId(), m.topic(), null, m.problem(), m.createdAt())
                    : new Outgoing(m.outboxId(), m.topic(), toolMessages.toMqttMessage(m), null, m.createdAt()));
        }
        publish(exchange, outgoing);
    }

    /** The plugin's queue: body is the fetched rows. */
    public void publishPluginQueue(Exchange exchange) throws MqttException {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = exchange.getMessage().getBody(List.class);
        List<Outgoing> outgoing = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            outgoing.add(pluginQueueMessages.toOutgoing(row));
        }
        publish(exchange, outgoing);
    }

    void publish(Exchange exchange, List<Outgoing> batch) throws MqttException {
        Progress progress = new Progress();
        int window = Math.max(1, Math.min(client.receiveMaximum(), MAX_WINDOW));
        ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        int end = batch.size();
        try {
            for (int i = progress.next; i < end; i++) {
                // a leader that just lost leadership publishes nothing more of its batch
                if (!leadership.isLeader()) {
                    end = i;
                    break;
                }
                Outgoing m = batch.get(i);
                if (progress.dead.containsKey(m.rowId())) {
                    continue;
                }
                if (m.problem() != null) {
                    dead(progress, m, m.problem());
                    continue;
                }
                try {
                    inFlight.add(new InFlight(i, client.publishAsync(m.topic(), m.message())));
                } catch (PublishRejectedException e) {
                    dead(progress, m, e.getMessage());
                    continue;
                }
                while (inFlight.size() >= window) {
                    settle(inFlight.poll(), batch, progress);
                }
            }
            while (!inFlight.isEmpty()) {
                settle(inFlight.poll(), batch, progress);
            }
        } catch (MqttException | RuntimeException e) {
            // a leader that stepped down lets its connection go mid-batch: rather than a failed
            // exchange (its route is stopping, there is no redelivery), what the broker
            // acknowledged is marked below and the rest stays pending for the next leader
            if (leadership.isLeader()) {
                throw e;
            }
            end = Math.min(end, progress.next);
        }
        progress.next = end;
        outcome(exchange, batch, end, progress);
    }

    private void settle(InFlight sent, List<Outgoing> batch, Progress progress) throws MqttException {
        Outgoing m = batch.get(sent.index());
        try {
            client.awaitAccepted(sent.token(), m.topic());
        } catch (PublishRejectedException e) {
            dead(progress, m, e.getMessage());
        }
        progress.next = sent.index() + 1;
    }

    private static void dead(Progress progress, Outgoing m, String reason) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", m.rowId());
        row.put("topic", m.topic());
        // the reason may quote the row's own event type or topic: safe for a log line
        row.put("reason", TopicRules.printable(reason));
        progress.dead.putIfAbsent(m.rowId(), row);
    }

    /** Rows all of whose messages were acknowledged, up to where publishing stopped. */
    private static void outcome(Exchange exchange, List<Outgoing> batch, int end, Progress progress) {
        long stoppedAt = end < batch.size() ? batch.get(end).rowId() : Long.MIN_VALUE;
        StringJoiner ids = new StringJoiner(",", "{", "}");
        List<Instant> createdAt = new ArrayList<>();
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < end; i++) {
            Outgoing m = batch.get(i);
            // a row cut by the stop is not complete, and a dead row is recorded apart
            if (m.rowId() == previous || m.rowId() == stoppedAt || progress.dead.containsKey(m.rowId())) {
                continue;
            }
            previous = m.rowId();
            ids.add(Long.toString(m.rowId()));
            createdAt.add(m.createdAt());
        }
        exchange.setProperty("publishedIds", ids.toString());
        exchange.setProperty("publishedCount", createdAt.size());
        exchange.setProperty("publishedCreatedAt", createdAt);
        exchange.setProperty("deadRows", new ArrayList<>(progress.dead.values()));
    }
}
