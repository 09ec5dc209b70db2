package org.nemo.bridge.inbound;

import java.time.Instant;

import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Message;

/**
 * What reads an inbound MQTT message (telemetry, an envelope) as the route step the routes
 * call: the message's topic, bytes, receive time and retain flag in, what the rules make of
 * them out.
 */
public interface InboundRules {

    /**
     * @param replayed the broker replayed the message from its retained store
     * @return what the store takes: accepted or rejected with the reason
     */
    Object read(String topic, byte[] payload, Instant receivedAt, boolean replayed);

    /** Route step: the MQTT message in, what {@link #read(String, byte[], Instant, boolean)} makes of it out. */
    default void read(Exchange exchange) {
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        byte[] payload = exchange.getMessage().getBody(byte[].class);
        exchange.getMessage().setBody(read(topic, payload == null ? new byte[0] : payload, Instant.now(), replayed(exchange)));
    }

    /**
     * The RETAIN flag as it arrived. The subscriptions leave Retain As Published off, so the
     * broker sets it only on a retained message it sends because of a subscribe: its memory of
     * an old message, not one just sent.
     */
    static boolean replayed(Exchange exchange) {
        return exchange.getMessage() instanceof PahoMqtt5Message paho && paho.getMqttMessage() != null
                && paho.getMqttMessage().isRetained();
    }
}
