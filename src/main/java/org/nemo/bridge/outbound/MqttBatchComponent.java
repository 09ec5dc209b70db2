package org.nemo.bridge.outbound;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.nemo.bridge.cluster.Leadership;

/**
 * {@code mqtt-batch:name} — publishes a whole batch of messages on the publishing connection,
 * without waiting for each PUBACK before the next message: camel-paho-mqtt5's producer waits
 * for every message's PUBACK, which made a drain one round trip per message. The precedent is
 * camel-kafka's producer with an Iterable body: every record sent at once, the exchange done
 * when all are acknowledged. Send only.
 *
 * <p>The body is the batch: the {@link org.apache.camel.Message}s (or exchanges) to publish,
 * in the order the broker must receive them. Each message says where and how it goes with
 * camel-paho-mqtt5's own headers ({@code CamelPahoMqtt5OverrideTopic}, {@code
 * CamelPahoMqtt5Qos}, {@code CamelPahoMqtt5Retained}), its {@code Content-Type} header becomes
 * the MQTT 5 content type, and the headers the endpoint's {@code userProperties} option names
 * become MQTT 5 user properties. Three headers of this component:
 * <ul>
 * <li>{@value #TOPICS}: the message's recipient list, every topic it goes to, in order (a list,
 * or one topic); it replaces the override topic.</li>
 * <li>{@value #ROW}: the row the message belongs to. A row's messages stand or fall together: it
 * is acknowledged once every one of them was, refused as soon as one is (the rest of it is not
 * sent). A message without one is a row of its own, named by its position.</li>
 * <li>{@value #PROBLEM}: why the message can never be published; its row is refused with that
 * reason and nothing of it is sent.</li>
 * </ul>
 * When every PUBACK is in, the exchange has {@value #ACKNOWLEDGED} (the rows all of whose
 * messages the broker accepted, in order) and {@value #REFUSED} (for each refused row a map of
 * {@code row}, {@code topic} and {@code reason}: the broker rejected it, the MQTT client refused
 * it, or it had a problem). A lost connection or a late PUBACK fails the exchange. See
 * {@link MqttBatchProducer}.
 */
public class MqttBatchComponent extends DefaultComponent {

    /** Header: every topic a message goes to (its recipient list). */
    public static final String TOPICS = "CamelMqttBatchTopics";
    /** Header: the row a message belongs to. */
    public static final String ROW = "CamelMqttBatchRow";
    /** Header: why a message can never be published. */
    public static final String PROBLEM = "CamelMqttBatchProblem";
    /** Exchange property after the publish: the rows the broker acknowledged, in order. */
    public static final String ACKNOWLEDGED = "CamelMqttBatchAcknowledged";
    /** Exchange property after the publish: the refused rows, each {row, topic, reason}. */
    public static final String REFUSED = "CamelMqttBatchRefused";

    private final OutboundMqttClient client;
    private final Leadership leadership;

    /**
     * @param client     the publishing connection ({@link BrokerConnection} keeps it up)
     * @param leadership a leader that just lost leadership publishes nothing more of its batch
     */
    public MqttBatchComponent(OutboundMqttClient client, Leadership leadership) {
        this.client = client;
        this.leadership = leadership;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        MqttBatchEndpoint endpoint = new MqttBatchEndpoint(uri, this);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    OutboundMqttClient client() {
        return client;
    }

    Leadership leadership() {
        return leadership;
    }
}
