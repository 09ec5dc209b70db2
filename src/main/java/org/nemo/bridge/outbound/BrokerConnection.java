package org.nemo.bridge.outbound;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.nemo.bridge.config.BridgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps the publishing connection to the broker up: connects in the background with back-off
 * (a broker that is down at boot does not stop the service), lets Paho reconnect after a loss,
 * announces {@code online} on the retained bridge status topic and leaves {@code offline} as
 * its last will. Logs one line per change of state, never a stack trace per retry.
 */
public class BrokerConnection implements SmartLifecycle, MqttCallback {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerConnection.class);
    private static final long FIRST_RETRY_MILLIS = 500;

    private final OutboundMqttClient client;
    private final BridgeProperties.Mqtt settings;
    private final String brokerUrl;
    private final String statusTopic;
    private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "mqtt-connector");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean running;
    private volatile boolean connected;
    private volatile String lastProblem;
    private long retryMillis = FIRST_RETRY_MILLIS;

    public BrokerConnection(OutboundMqttClient client, String brokerUrl, BridgeProperties.Mqtt settings) {
        this.client = client;
        this.brokerUrl = brokerUrl;
        this.settings = settings;
        this.statusTopic = settings.topicPrefix() + "/bridge/status";
        client.setCallback(this);
    }

    public boolean isConnected() {
        return connected && client.isConnected();
    }

    public String brokerUrl() {
        return brokerUrl;
    }

    /** Why the broker is not connected, in words, or null when it is. */
    public String problem() {
        return isConnected() ? null : lastProblem;
    }

    @Override
    public void start() {
        running = true;
        connector.execute(this::connect);
    }

    @Override
    public void stop() {
        running = false;
        connector.shutdownNow();
        try {
            if (client.isConnected()) {
                // a clean goodbye: the will is not sent, so say offline ourselves
                client.publish(statusTopic, statusMessage("offline"));
                client.disconnect(2000);
            }
            client.close(true);
        } catch (MqttException | RuntimeException e) {
            LOG.debug("MQTT disconnect: {}", e.toString());
        }
        LOG.info("MQTT broker disconnected {}", brokerUrl);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // up before the Camel routes start, down after they stopped
        return Integer.MIN_VALUE + 1000;
    }

    MqttConnectionOptions options() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, (int) Math.max(1, settings.maxReconnectDelay().toSeconds()));
        options.setKeepAliveInterval(settings.keepAlive());
        options.setConnectionTimeout((int) Math.max(1, settings.connectTimeout().toSeconds()));
        if (settings.username() != null && !settings.username().isBlank()) {
            options.setUserName(settings.username());
            if (settings.password() != null) {
                options.setPassword(settings.password().getBytes(StandardCharsets.UTF_8));
            }
        }
        options.setWill(statusTopic, statusMessage("offline"));
        return options;
    }

    private void connect() {
        if (!running) {
            return;
        }
        try {
            IMqttToken token = client.connectWithResult(options());
            MqttProperties props = token.getResponseProperties();
            client.setMaximumPacketSize(props == null ? null : props.getMaximumPacketSize());
            retryMillis = FIRST_RETRY_MILLIS;
        } catch (MqttException | RuntimeException e) {
            String problem = explain(e);
            if (!problem.equals(lastProblem)) {
                LOG.warn("MQTT broker {}: {}; retrying every {}s at most, events stay pending", brokerUrl, problem,
                        settings.maxReconnectDelay().toSeconds());
                lastProblem = problem;
            }
            long delay = retryMillis;
            retryMillis = Math.min(retryMillis * 2, settings.maxReconnectDelay().toMillis());
            if (running) {
                connector.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        connected = true;
        lastProblem = null;
        LOG.info("MQTT broker connected {}", brokerUrl);
        try {
            client.publishNoWait(statusTopic, statusMessage("online"));
        } catch (MqttException e) {
            LOG.warn("Could not announce online on {}: {}", statusTopic, e.getMessage());
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        connected = false;
        String reason = response.getException() != null ? explain(response.getException())
                : response.getReasonString() != null ? response.getReasonString()
                : "disconnected by the broker (reason code " + response.getReturnCode() + ")";
        lastProblem = reason;
        if (running) {
            LOG.warn("MQTT broker lost {}: {}; publishing paused, events stay pending", brokerUrl, reason);
        }
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        LOG.debug("MQTT error: {}", exception.toString());
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        // the publishing connection subscribes to nothing
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // completion is awaited by the publisher itself
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        // no enhanced authentication
    }

    private MqttMessage statusMessage(String text) {
        MqttMessage message = new MqttMessage(text.getBytes(StandardCharsets.UTF_8), 1, true, null);
        MqttProperties properties = new MqttProperties();
        properties.setContentType("text/plain");
        message.setProperties(properties);
        return message;
    }

    /** One line an operator can act on, without secrets. */
    static String explain(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SSLException) {
                return "TLS handshake failed (" + cause.getMessage() + "): check bridge.mqtt.tls.* and the broker's certificate";
            }
            if (cause instanceof UnknownHostException) {
                return "unknown host " + cause.getMessage() + ": check bridge.mqtt.broker-url";
            }
            if (cause instanceof ConnectException) {
                return "unreachable (" + cause.getMessage() + "): is the broker running at bridge.mqtt.broker-url?";
            }
        }
        if (e instanceof MqttException mqtt) {
            int code = mqtt.getReasonCode();
            if (code == 0x86 || code == 0x87 || code == 4 || code == 5) {
                return "refused the login (" + (code == 0x87 || code == 5 ? "not authorized" : "bad user name or password")
                        + "): check bridge.mqtt.username and bridge.mqtt.password";
            }
            if (code >= 0x80 && code <= 0xFF) {
                return "refused the connection: " + ReasonCodes.describe(code);
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
