package org.nemo.bridge.config;

import org.nemo.bridge.embedded.EmbeddedMqttBroker;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** Where the broker is: the embedded one when it runs, else bridge.mqtt.broker-url. Shared by every connection. */
@Component
public class BrokerAddress {

    private final BridgeProperties properties;
    private final ObjectProvider<EmbeddedMqttBroker> embedded;

    public BrokerAddress(BridgeProperties properties, ObjectProvider<EmbeddedMqttBroker> embedded) {
        this.properties = properties;
        this.embedded = embedded;
    }

    public String url() {
        return url(properties.mqtt(), embedded);
    }

    public static String url(BridgeProperties.Mqtt mqtt, ObjectProvider<EmbeddedMqttBroker> embedded) {
        EmbeddedMqttBroker broker = embedded.getIfAvailable();
        return broker != null ? broker.url() : mqtt.brokerUrl();
    }
}
