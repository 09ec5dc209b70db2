package org.nemo.bridge.inbound;

import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Message;

/** Which MQTT delivery an exchange carries, so the store can acknowledge it after the commit. */
record InboundDelivery(int messageId, int qos) {

    static final String PROPERTY = "inboundDelivery";

    static void remember(Exchange exchange) {
        if (exchange.getMessage() instanceof PahoMqtt5Message paho && paho.getMqttMessage() != null) {
            exchange.setProperty(PROPERTY, new InboundDelivery(paho.getMqttMessage().getId(), paho.getMqttMessage().getQos()));
        }
    }

    static InboundDelivery of(Exchange exchange) {
        return exchange.getProperty(PROPERTY, InboundDelivery.class);
    }
}
