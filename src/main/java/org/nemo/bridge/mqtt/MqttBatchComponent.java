package org.nemo.bridge.mqtt;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.nemo.bridge.cluster.Leadership;

/**
 * {@code mqtt-batch:name} — publishes a whole batch of messages on the leader's publishing
 * connection ({@link BrokerConnection}: connect, reconnect, birth, last will, broker reloads),
 * without waiting for each PUBACK before the next message, as camel-kafka's producer does with
 * an Iterable body; camel-paho-mqtt5's producer waits for every PUBACK, one round trip per
 * message. Send only. Options are {@link MqttBatchEndpoint}'s, headers
 * {@link MqttBatchHeaders}'; both tabled in docs/mqtt-batch.md.
 */
public class MqttBatchComponent extends DefaultComponent {

    private final BrokerConnection connection;
    private final Leadership leadership;

    /**
     * @param connection the publishing connection
     * @param leadership a leader that just lost leadership publishes nothing more of its batch
     */
    public MqttBatchComponent(BrokerConnection connection, Leadership leadership) {
        this.connection = connection;
        this.leadership = leadership;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        MqttBatchEndpoint endpoint = new MqttBatchEndpoint(uri, this);
        endpoint.setName(remaining);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    BrokerConnection connection() {
        return connection;
    }

    Leadership leadership() {
        return leadership;
    }
}
