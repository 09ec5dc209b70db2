package org.nemo.bridge.mqtt;

import java.util.Arrays;
import java.util.List;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * A batch publisher on the publishing connection. The body is the batch: the
 * {@link org.apache.camel.Message}s (or exchanges) to publish, in the order the broker must
 * receive them, each saying where and how it goes with {@link MqttBatchHeaders}; a body that
 * is no batch is published as one message, and its refusal fails the exchange. Once every
 * PUBACK is in, the exchange carries {@link MqttBatchHeaders#ACKNOWLEDGED} and
 * {@link MqttBatchHeaders#REFUSED}. A lost connection or a late PUBACK fails the exchange.
 */
@UriEndpoint(scheme = "mqtt-batch", title = "MQTT batch", syntax = "mqtt-batch:name", producerOnly = true,
        category = {Category.MESSAGING, Category.IOT}, headersClass = MqttBatchHeaders.class)
public class MqttBatchEndpoint extends DefaultEndpoint {

    /** What {@code sign} signs with the HMAC key of the broker settings in use. */
    public enum Sign {
        /** nothing */
        none,
        /** the messages that are not retained (the outbox's events; a tool's retained state stays plain JSON) */
        events,
        /** every message (the plugin's queue, as the plugin's own bridge did) */
        all
    }

    @UriPath(description = "A name for the publisher (outbox, plugin-queue, machine-status), as Hawtio lists the endpoint")
    @Metadata(required = true)
    private String name;

    @UriParam(defaultValue = "1", enums = "0,1,2", description = "QoS of a message without an mqttQos (or CamelPahoMqtt5Qos) header")
    private int qos = 1;

    @UriParam(description = "Names of the message headers sent as MQTT 5 user properties, comma-separated (a header without a value is left out)")
    private String userProperties = "";

    @UriParam(defaultValue = "none", enums = "none,events,all", description = "Wrap payloads in the plugin's HMAC-SHA256 envelope"
            + " with the key of the broker settings in use (bridge.mqtt.hmac-key, or the plugin's configuration row), read for"
            + " every batch: none; events (messages not retained); all. Nothing is signed while no key is set")
    private Sign sign = Sign.none;

    private List<String> userPropertyNames = List.of();

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

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
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

    public String getUserProperties() {
        return userProperties;
    }

    public void setUserProperties(String headerNames) {
        this.userProperties = headerNames;
        this.userPropertyNames = Arrays.stream(headerNames.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    List<String> userPropertyNames() {
        return userPropertyNames;
    }

    public Sign getSign() {
        return sign;
    }

    public void setSign(Sign sign) {
        this.sign = sign;
    }
}
