package org.nemo.bridge.inbound;

import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A consumer given its own client leaves it connected when its route stops, still feeding
 * the stopped route. This policy disconnects the session once the route has stopped (its
 * in-flight messages are stored and acknowledged by then); the broker keeps the session,
 * and the next start resumes it.
 */
public class InboundSessionPolicy extends RoutePolicySupport {

    private static final Logger LOG = LoggerFactory.getLogger(InboundSessionPolicy.class);

    @Override
    public void onStart(Route route) {
        if (route.getEndpoint() instanceof PahoMqtt5Endpoint paho && paho.getClient() instanceof InboundMqttClient client) {
            client.feeds(route);
        }
    }

    @Override
    public void onStop(Route route) {
        pause(route);
    }

    @Override
    public void onSuspend(Route route) {
        pause(route);
    }

    private static void pause(Route route) {
        Endpoint endpoint = route.getEndpoint();
        if (endpoint instanceof PahoMqtt5Endpoint paho && paho.getClient() instanceof InboundMqttClient client && client.isConnected()) {
            client.pause();
            LOG.info("MQTT inbound session {} paused with route {}; the broker queues for it", client.getClientId(), route.getRouteId());
        }
    }
}
