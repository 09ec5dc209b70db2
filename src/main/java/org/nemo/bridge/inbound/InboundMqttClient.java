package org.nemo.bridge.inbound;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Route;
import org.apache.camel.StatefulService;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent inbound session behind one camel-paho-mqtt5 consumer: a stable client id,
 * clean start off, a session expiry and manual acknowledgements (the store acknowledges
 * after its commit). Handed to the endpoint as {@code client=#…}, it connects on the
 * consumer's subscribe, that is after the consumer installed its callback: a resumed
 * session delivers its queued messages right after CONNACK, and Paho drops, unacknowledged,
 * whatever arrives before a callback is set.
 * <p>
 * A broker that is away does not fail the consumer's start: a consumer whose start failed
 * forgets the client it was given and, on its next start, makes its own (default broker
 * URL, random id, no session). Instead the session connects in the background with
 * back-off and subscribes once it is up; after that Paho reconnects by itself.
 * <p>
 * Every subscribe asks for MQTT 5 Retain Handling 1: the broker sends its retained messages
 * only for a subscription the session does not hold yet, so a resumed session (a restart, a
 * reconnect) is not handed the broker's old retained readings again.
 */
public class InboundMqttClient extends MqttClient {

    private static final Logger LOG = LoggerFactory.getLogger(InboundMqttClient.class);
    private static final long FIRST_RETRY_MILLIS = 500;

    private final MqttConnectionOptions options;
    private final String sharedGroup;
    private final String brokerUrl;
    private final long maxRetryMillis;
    private final Map<String, Integer> subscriptions = new ConcurrentHashMap<>();
    private final ScheduledExecutorService connector;
    private volatile boolean closing;
    private volatile boolean paused;
    private volatile Route route;
    private boolean connecting;
    private String lastProblem;
    private long retryMillis = FIRST_RETRY_MILLIS;

    public InboundMqttClient(String brokerUrl, String clientId, MqttConnectionOptions options, String sharedGroup,
                             long maxRetryMillis) throws MqttException {
        super(brokerUrl, clientId, new MemoryPersistence());
        this.brokerUrl = brokerUrl;
        this.options = options;
        this.maxRetryMillis = Math.max(FIRST_RETRY_MILLIS, maxRetryMillis);
        this.sharedGroup = sharedGroup == null || sharedGroup.isBlank() ? null : sharedGroup.trim();
        this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, clientId + "-connector");
            thread.setDaemon(true);
            return thread;
        });
        setManualAcks(true);
    }

    /** With a shared group the instances of the bridge split the messages of the filter between them. */
    String subscription(String topicFilter) {
        return sharedGroup == null ? topicFilter : "$share/" + sharedGroup + "/" + topicFilter;
    }

    /** Without a broker to listen to (see InboundConfiguration) the session never connects. */
    static final String NO_BROKER = "tcp://127.0.0.1:1";

    /** Subscribes now when connected, else once the session is up (the consumer ignores the token). */
    @Override
    public synchronized IMqttToken subscribe(String topicFilter, int qos) throws MqttException {
        if (NO_BROKER.equals(brokerUrl)) {
            if (lastProblem == null) {
                lastProblem = "no broker";
                LOG.warn("MQTT inbound session {} is off: broker settings come from the plugin's table, which had no enabled "
                        + "row at start; set bridge.mqtt.broker-url for inbound, or restart once a row is enabled", getClientId());
            }
            return null;
        }
        subscriptions.put(subscription(topicFilter), qos);
        paused = false;
        if (isConnected()) {
            return subscribeOnce(subscription(topicFilter), qos);
        }
        if (!connecting) {
            connecting = true;
            connector.execute(this::connectSession);
        }
        return null;
    }

    /** Retained messages only when the session did not hold the subscription yet (Retain Handling 1). */
    private IMqttToken subscribeOnce(String filter, int qos) throws MqttException {
        MqttSubscription subscription = new MqttSubscription(filter, qos);
        subscription.setRetainHandling(1);
        return super.subscribe(new MqttSubscription[] {subscription});
    }

    private synchronized void connectSession() {
        if (closing || paused || isConnected()) {
            connecting = false;
            return;
        }
        try {
            IMqttToken token = connectWithResult(options);
            for (Map.Entry<String, Integer> s : subscriptions.entrySet()) {
                subscribeOnce(s.getKey(), s.getValue());
            }
            LOG.info("MQTT inbound session {} connected {} ({})", getClientId(), brokerUrl,
                    token.getSessionPresent() ? "session resumed" : "new session");
            lastProblem = null;
            retryMillis = FIRST_RETRY_MILLIS;
            connecting = false;
        } catch (MqttException | RuntimeException e) {
            String problem = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
            if (!String.valueOf(problem).equals(lastProblem)) {
                lastProblem = String.valueOf(problem);
                LOG.warn("MQTT inbound session {} cannot connect {}: {}; retrying every {}s at most, the broker keeps our messages",
                        getClientId(), brokerUrl, LogText.of(problem), maxRetryMillis / 1000);
            }
            long delay = retryMillis;
            retryMillis = Math.min(retryMillis * 2, maxRetryMillis);
            if (!closing) {
                connector.schedule(this::connectSession, delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void setCallback(MqttCallback callback) {
        super.setCallback(new StateLogging(callback));
    }

    /** The route this session feeds, so that a stopping route is not fed any more. */
    void feeds(Route route) {
        this.route = route;
    }

    /**
     * Between the consumer's stop and the disconnect, a message would be rejected by the
     * stopping route (one stack trace each); left unacknowledged instead, the broker delivers
     * it again to the resumed session.
     */
    private boolean consumerStopped() {
        Route fed = route;
        return fed != null && fed.getConsumer() instanceof StatefulService consumer && (consumer.isStopping() || consumer.isStopped());
    }

    /** Disconnects, keeping the session: the broker queues for us until the consumer subscribes again. */
    synchronized void pause() {
        paused = true;
        try {
            if (isConnected()) {
                disconnect(2000);
            }
        } catch (MqttException e) {
            LOG.debug("MQTT inbound session {} disconnect: {}", getClientId(), LogText.of(e.toString()));
        }
    }

    /** Ends the connection but keeps the session: the broker queues for us until we are back. */
    public void close() {
        closing = true;
        connector.shutdownNow();
        synchronized (this) {
            try {
                if (isConnected()) {
                    disconnect(2000);
                }
                super.close(true);
            } catch (MqttException | RuntimeException e) {
                LOG.debug("MQTT inbound session {} close: {}", getClientId(), LogText.of(e.toString()));
            }
        }
    }

    /** One log line per change of the connection, around the consumer's own callback. */
    private final class StateLogging implements MqttCallback {

        private final MqttCallback consumer;

        StateLogging(MqttCallback consumer) {
            this.consumer = consumer;
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            if (!closing && !paused) {
                String reason = response.getException() != null ? response.getException().getMessage() : response.getReasonString();
                LOG.warn("MQTT inbound session {} lost {}: {}; reconnecting, the broker keeps our messages", getClientId(), brokerUrl,
                        LogText.of(reason));
            }
            consumer.disconnected(response);
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            if (reconnect) {
                LOG.info("MQTT inbound session {} reconnected {}", getClientId(), brokerUrl);
            }
            consumer.connectComplete(reconnect, serverURI);
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            consumer.mqttErrorOccurred(exception);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) throws Exception {
            if (!consumerStopped()) {
                consumer.messageArrived(topic, message);
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            consumer.deliveryComplete(token);
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            consumer.authPacketArrived(reasonCode, properties);
        }
    }
}
