package org.nemo.bridge.outbound;

import java.util.Arrays;
import java.util.List;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/**
 * A batch publisher ({@link MqttBatchComponent}); options: {@code qos} (of a message without a
 * {@code CamelPahoMqtt5Qos} header, default 1) and {@code userProperties} (names of the headers
 * sent as MQTT 5 user properties, comma-separated).
 */
public class MqttBatchEndpoint extends DefaultEndpoint {

    private int qos = 1;
    private List<String> userProperties = List.of();

    MqttBatchEndpoint(String uri, MqttBatchComponent component) {
        super(uri, component);
    }

    @Override
    public Producer createProducer() {
        return new MqttBatchProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("mqtt-batch only publishes; inbound MQTT is paho-mqtt5:");
    }

    @Override
    public MqttBatchComponent getComponent() {
        return (MqttBatchComponent) super.getComponent();
    }

    public int getQos() {
        return qos;
    }

    public void setQos(int qos) {
        if (qos < 0 || qos > 2) {
            throw new IllegalArgumentException("mqtt-batch: qos must be 0, 1 or 2, not " + qos);
        }
        this.qos = qos;
    }

    public List<String> getUserProperties() {
        return userProperties;
    }

    public void setUserProperties(String headerNames) {
        this.userProperties = Arrays.stream(headerNames.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
