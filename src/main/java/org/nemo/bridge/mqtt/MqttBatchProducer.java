package org.nemo.bridge.mqtt;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.support.DefaultProducer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.nemo.bridge.cluster.Leadership;
import org.nemo.bridge.wire.LogText;

/**
 * Publishes a batch faster than one PUBACK round trip per message: the messages go out in
 * order on the one connection, up to the broker's Receive Maximum of them awaiting their PUBACK
 * at once, and the PUBACKs are taken in the same order. Order per tool holds because MQTT keeps
 * the order of one connection; a row counts as acknowledged only once every message of it was,
 * so the route can mark the batch with one UPDATE afterwards.
 *
 * <p>A lost connection or a late PUBACK fails the exchange, and the route's redelivery fetches
 * the batch again: what is still pending then, so a row an operator marked dead meanwhile is
 * never published, and nothing is skipped or overtaken (a duplicate, with its event_id, can
 * follow). A message the broker or the MQTT client refuses for itself refuses its row alone; it
 * never fails the exchange, so it never drops the connection nor holds up the rows behind it.
 */
class MqttBatchProducer extends DefaultProducer {

    /** Bound on unacknowledged messages even when the broker allows more: memory and fairness. */
    static final int MAX_WINDOW = 1_000;

    /** One message of the batch, ready for the wire, or the reason it can never be published. */
    private record Outgoing(Object row, String topic, MqttMessage message, String problem) {
    }

    private record InFlight(int index, IMqttToken token) {
    }

    private final MqttBatchEndpoint endpoint;
    private final BrokerConnection connection;
    private final OutboundMqttClient client;
    private final Leadership leadership;

    MqttBatchProducer(MqttBatchEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
        this.connection = endpoint.getComponent().connection();
        this.client = connection.client();
        this.leadership = endpoint.getComponent().leadership();
    }

    @Override
    public void process(Exchange exchange) throws MqttException {
        Object body = exchange.getMessage().getBody();
        List<Outgoing> batch = new ArrayList<>();
        // the key of the settings in use, the same for the whole batch
        String key = endpoint.getSign() == MqttBatchEndpoint.Sign.none ? null : connection.hmacKey();
        if (body instanceof Iterable<?> elements) {
            int position = 0;
            for (Object element : elements) {
                outgoing(element, position++, key, batch);
            }
            publish(exchange, batch);
            return;
        }
        // one message, the exchange's own: a refusal fails the exchange, as camel-paho-mqtt5's producer does
        outgoing(exchange.getMessage(), 0, key, batch);
        publish(exchange, batch);
        List<?> refused = exchange.getMessage().getHeader(MqttBatchHeaders.REFUSED, List.class);
        if (!refused.isEmpty()) {
            throw new PublishRejectedException(String.valueOf(((Map<?, ?>) refused.get(0)).get("reason")));
        }
        if (exchange.getMessage().getHeader(MqttBatchHeaders.ACKNOWLEDGED, List.class).isEmpty()) {
            throw new MqttException(MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED);
        }
    }

    /** The message once for each of its topics (its recipient list), all under its row. */
    private void outgoing(Object element, int position, String key, List<Outgoing> batch) {
        Message message = element instanceof Exchange e ? e.getMessage() : (Message) element;
        Object row = message.getHeader(MqttBatchHeaders.ROW);
        row = row != null ? row : position;
        List<String> topics = topics(message);
        String problem = message.getHeader(MqttBatchHeaders.PROBLEM, String.class);
        if (problem != null) {
            batch.add(new Outgoing(row, topics.isEmpty() ? null : topics.get(0), null, problem));
            return;
        }
        byte[] payload = message.getBody(byte[].class);
        if (topics.isEmpty() || payload == null) {
            batch.add(new Outgoing(row, null, null, "a message without a topic or payload"));
            return;
        }
        int qos = header(message, MqttBatchHeaders.QOS, PahoMqtt5Constants.CAMEL_PAHO_MSG_QOS, endpoint.getQos(), Integer.class);
        boolean retained = header(message, MqttBatchHeaders.RETAINED, PahoMqtt5Constants.CAMEL_PAHO_MSG_RETAINED, false, Boolean.class);
        if (key != null && (endpoint.getSign() == MqttBatchEndpoint.Sign.all || !retained)) {
            payload = HmacEnvelope.wrap(payload, key);
        }
        for (String topic : topics) {
            MqttMessage mqtt = new MqttMessage(payload);
            mqtt.setQos(qos);
            mqtt.setRetained(retained);
            // properties of its own: Paho writes the topic alias it picks into them, and encodes
            // them only when the message goes out, after the next message may have been given one
            mqtt.setProperties(properties(message));
            batch.add(new Outgoing(row, topic, mqtt, null));
        }
    }

    /** Our header, else camel-paho-mqtt5's, else the default. */
    private static <T> T header(Message message, String name, String pahoName, T otherwise, Class<T> type) {
        T value = message.getHeader(name, type);
        return value != null ? value : message.getHeader(pahoName, otherwise, type);
    }

    /** {@code mqttTopics} (a list, or one topic), else camel-paho-mqtt5's override topic. */
    private static List<String> topics(Message message) {
        Object topics = message.getHeader(MqttBatchHeaders.TOPICS);
        if (topics instanceof Collection<?> list) {
            List<String> all = new ArrayList<>(list.size());
            for (Object topic : list) {
                if (topic != null && !topic.toString().isEmpty()) {
                    all.add(topic.toString());
                }
            }
            return all;
        }
        // a single topic is taken whole: a topic may contain a comma
        String topic = topics != null ? topics.toString() : message.getHeader(PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC, String.class);
        return topic == null || topic.isEmpty() ? List.of() : List.of(topic);
    }

    private MqttProperties properties(Message message) {
        MqttProperties properties = new MqttProperties();
        // camel-paho-mqtt5's header, when a route sets the properties whole (copied: see outgoing)
        if (message.getHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES) instanceof MqttProperties given) {
            properties.setContentType(given.getContentType());
            properties.setPayloadFormat(given.getPayloadFormat());
            properties.setMessageExpiryInterval(given.getMessageExpiryInterval());
            properties.setResponseTopic(given.getResponseTopic());
            properties.setCorrelationData(given.getCorrelationData());
            properties.setUserProperties(new ArrayList<>(given.getUserProperties()));
            return properties;
        }
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType != null) {
            properties.setContentType(contentType);
            // JSON is UTF-8 (RFC 8259): say so, as the payload format indicator
            properties.setPayloadFormat(contentType.startsWith("application/json"));
        }
        List<UserProperty> userProperties = new ArrayList<>(endpoint.userPropertyNames().size());
        for (String name : endpoint.userPropertyNames()) {
            String value = message.getHeader(name, String.class);
            if (value != null) {
                userProperties.add(new UserProperty(name, value));
            }
        }
        properties.setUserProperties(userProperties);
        return properties;
    }

    /** Where a batch stands. */
    private static final class Progress {
        int next;
        final Map<Object, Map<String, Object>> refused = new LinkedHashMap<>();
    }

    private void publish(Exchange exchange, List<Outgoing> batch) throws MqttException {
        Progress progress = new Progress();
        int window = Math.max(1, Math.min(client.receiveMaximum(), MAX_WINDOW));
        ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        int end = batch.size();
        try {
            for (int i = 0; i < end; i++) {
                // a leader that just lost leadership publishes nothing more of its batch
                if (!leadership.isLeader()) {
                    end = i;
                    break;
                }
                Outgoing m = batch.get(i);
                if (progress.refused.containsKey(m.row())) {
                    continue;
                }
                if (m.problem() != null) {
                    refuse(progress, m, m.problem());
                    continue;
                }
                try {
                    inFlight.add(new InFlight(i, client.publishAsync(m.topic(), m.message())));
                } catch (PublishRejectedException e) {
                    refuse(progress, m, e.getMessage());
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
            // the connection went (or a PUBACK is late) mid-batch. Nothing settled yet: the
            // exchange fails and the drain's redelivery tries again. Else what the broker answered
            // is reported, so that a refused row goes dead (a broker may close the connection
            // right after refusing, as Mosquitto 2.0 does for a publish its ACL denies: sent again,
            // the row would be refused again, for ever) and the rest stays pending. So too for a
            // leader that stepped down: its route is stopping, there is no redelivery
            if (leadership.isLeader() && progress.next == 0 && progress.refused.isEmpty()) {
                throw e;
            }
            end = Math.min(end, progress.next);
        }
        outcome(exchange, batch, end, progress);
    }

    private void settle(InFlight sent, List<Outgoing> batch, Progress progress) throws MqttException {
        Outgoing m = batch.get(sent.index());
        try {
            client.awaitAccepted(sent.token(), m.topic());
        } catch (PublishRejectedException e) {
            refuse(progress, m, e.getMessage());
        }
        progress.next = sent.index() + 1;
    }

    private static void refuse(Progress progress, Outgoing m, String reason) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("row", m.row());
        row.put("topic", m.topic());
        // the reason may quote the row's own event type or topic: safe for a log line
        row.put("reason", LogText.of(reason));
        progress.refused.putIfAbsent(m.row(), row);
    }

    /** Rows all of whose messages were acknowledged, up to where publishing stopped. */
    private static void outcome(Exchange exchange, List<Outgoing> batch, int end, Progress progress) {
        Object stoppedAt = end < batch.size() ? batch.get(end).row() : null;
        List<Object> acknowledged = new ArrayList<>();
        Object previous = null;
        for (int i = 0; i < end; i++) {
            Object row = batch.get(i).row();
            // a row cut by the stop is not complete, and a refused row is reported apart
            if (row.equals(previous) || row.equals(stoppedAt) || progress.refused.containsKey(row)) {
                continue;
            }
            previous = row;
            acknowledged.add(row);
        }
        exchange.getMessage().setHeader(MqttBatchHeaders.INCOMPLETE, end < batch.size());
        exchange.getMessage().setHeader(MqttBatchHeaders.ACKNOWLEDGED, acknowledged);
        exchange.getMessage().setHeader(MqttBatchHeaders.REFUSED, new ArrayList<>(progress.refused.values()));
    }
}
