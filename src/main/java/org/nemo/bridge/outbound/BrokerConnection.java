package org.nemo.bridge.outbound;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.net.SocketFactory;
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
import org.nemo.bridge.cluster.Leadership;
import org.nemo.bridge.mqtt.BrokerSettings;
import org.nemo.bridge.mqtt.BrokerTarget;
import org.nemo.bridge.mqtt.BrokerTls;
import org.nemo.bridge.mqtt.MqttOptions;

/**
 * Keeps the publishing connection to the broker up: connects in the background with back-off
 * (a broker that is down at boot does not stop the service), lets Paho reconnect after a loss,
 * announces {@code online} on the retained bridge status topic once every drain of the mode
 * has run on the connection, and leaves {@code offline} as its last will. Follows
 * configuration reloads (the plugin's table): a changed broker is switched to between two
 * publishes, nothing queued is lost. Logs one line per change of state, never a stack trace
 * per retry. All connection work runs on one thread.
 */
public class BrokerConnection implements SmartLifecycle, MqttCallback {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerConnection.class);
    private static final long FIRST_RETRY_MILLIS = 500;

    private final OutboundMqttClient client;
    private final SocketFactory tlsSocketFactory;
    private final BrokerSettings settings;
    private final BridgeProperties.Mqtt mqtt;
    private final String statusTopic;
    private final ScheduledExecutorService connector = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "mqtt-connector");
        thread.setDaemon(true);
        return thread;
    });
    /** The drain routes of the mode: {@code online} waits until each has run on the connection. */
    private final List<String> drains;
    private final Set<String> drainsRun = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private volatile boolean connected;
    private volatile boolean announced;
    /** A connect of our own is under way: it makes the connection ready itself, with the broker's CONNACK. */
    private volatile boolean connecting;
    private volatile String lastProblem;
    private volatile BrokerTarget applied;
    private volatile String lastReloadReason;
    private volatile Instant lastReloadAt;
    private long retryMillis = FIRST_RETRY_MILLIS;
    private long generation;

    /**
     * @param drains the drain routes of the mode (outbox-drain, and plugin-queue-drain when the
     *               plugin's queue is drained): {@code online} is said once each has run
     */
    public BrokerConnection(OutboundMqttClient client, BrokerSettings settings, BridgeProperties.Mqtt mqtt, List<String> drains) {
        this.client = client;
        this.drains = List.copyOf(drains);
        this.tlsSocketFactory = BrokerTls.socketFactory(mqtt.tls());
        this.settings = settings;
        this.mqtt = mqtt;
        this.statusTopic = mqtt.topicPrefix() + "/bridge/status";
        client.setCallback(this);
    }

    public boolean isConnected() {
        return connected && client.isConnected();
    }

    /**
     * A drain's first step: no batch is fetched while there is no broker to take it. The drain's
     * redelivery (routes/outbound-errors.yaml) asks again shortly, so it goes on as soon as the
     * connection is back.
     */
    public void requireConnected() throws BrokerUnavailableException {
        if (!isConnected()) {
            String problem = lastProblem;
            throw new BrokerUnavailableException("no connection to the MQTT broker" + (problem == null ? "" : " (" + problem + ")"));
        }
    }

    /** True once {@code online} was said on the current connection: every drain of the mode runs. */
    public boolean isAnnounced() {
        return announced && isConnected();
    }

    /** The drain routes {@code online} still waits for on this connection. */
    public List<String> drainsNotRun() {
        return drains.stream().filter(d -> !drainsRun.contains(d)).toList();
    }

    /** A drain fetched and published (perhaps nothing) on this connection: {@code online} may be said. */
    public void drainRan(String routeId) {
        if (connected && drainsRun.add(routeId) && !announced) {
            connector.execute(this::announceOnline);
        }
    }

    /** The broker in use, without secrets; "none" while no configuration is enabled. */
    public String brokerUrl() {
        BrokerTarget target = applied;
        return target == null ? "none" : target.url();
    }

    /** Why the broker is not connected, in words, or null when it is. */
    public String problem() {
        return isConnected() ? null : lastProblem;
    }

    /** True when there is deliberately no broker (no enabled configuration, or a follower): idle, not failing. */
    public boolean isIdle() {
        return running && applied == null;
    }

    /** The HMAC key for event payloads from the applied settings, or null. */
    public String hmacKey() {
        BrokerTarget target = applied;
        return target == null ? null : target.hmacKey();
    }

    public BrokerTarget applied() {
        return applied;
    }

    public String lastReloadReason() {
        return lastReloadReason;
    }

    public Instant lastReloadAt() {
        return lastReloadAt;
    }

    /**
     * Only the leader holds the publishing connection, and so the only last will: a follower
     * that dies must not tell displays the bridge is offline.
     */
    @Override
    public void start() {
        running = true;
    }

    /** Leadership gained: connect and announce online. Lost: say offline and let go. */
    public void leading(boolean leader) {
        if (!running) {
            return;
        }
        connector.execute(() -> {
            if (leader) {
                apply("start");
            } else {
                generation++;
                disconnect(true);
                applied = null;
                lastProblem = "not the leader";
                announced = false;
                drainsRun.clear();
            }
        });
    }

    /** A configuration change may have happened (NOTIFY nemo_mqtt_reload, or the periodic check). */
    public void reload(String reason) {
        if (running && applied != null || running && "no enabled MQTT configuration".equals(lastProblem)) {
            connector.execute(() -> {
                Optional<BrokerTarget> next = currentSettings();
                String nextFingerprint = next.map(BrokerTarget::fingerprint).orElse(null);
                String appliedFingerprint = applied == null ? null : applied.fingerprint();
                if (!Objects.equals(nextFingerprint, appliedFingerprint) || "notify".equals(reason)) {
                    apply(reason);
                }
            });
        }
    }

    @Override
    public void stop() {
        running = false;
        connector.shutdownNow();
        try {
            // a connect in progress ends (or times out) before the connection is let go
            connector.awaitTermination(mqtt.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean wasConnected = client.isConnected();
        disconnect(true);
        if (wasConnected) {
            LOG.info("MQTT broker disconnected {}", brokerUrl());
        }
        // Paho's threads go with the client: a connect that Paho completes after the stop (its
        // waiting thread was interrupted) would otherwise keep a JVM whose start was refused alive
        try {
            client.close();
        } catch (MqttException | RuntimeException e) {
            LOG.debug("MQTT client close: {}", e.toString());
        }
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

    private Optional<BrokerTarget> currentSettings() {
        try {
            return settings.current();
        } catch (RuntimeException e) {
            LOG.warn("Broker settings could not be read: {}", e.getMessage());
            return Optional.ofNullable(applied);
        }
    }

    /** Reads the settings and (re)connects when they differ from what is applied. */
    private void apply(String reason) {
        Optional<BrokerTarget> next = currentSettings();
        BrokerTarget previous = applied;
        boolean changed = !Objects.equals(next.orElse(null), previous);
        if (!"start".equals(reason)) {
            lastReloadReason = reason;
            lastReloadAt = Instant.now();
        }
        if (!changed) {
            return; // Paho's own reconnect, or the scheduled retry, is already on it
        }
        generation++;
        if (previous != null && changed) {
            LOG.info("MQTT configuration reload ({}): {} -> {}", reason, previous, next.map(Object::toString).orElse("none"));
            disconnect(false);
        }
        applied = next.orElse(null);
        if (applied == null) {
            connected = false;
            lastProblem = "no enabled MQTT configuration";
            LOG.info("No enabled MQTT configuration; the bridge idles and events stay pending until one is enabled");
            return;
        }
        retryMillis = FIRST_RETRY_MILLIS;
        connect(generation);
    }

    private void connect(long attemptGeneration) {
        if (!running || attemptGeneration != generation || applied == null) {
            return;
        }
        BrokerTarget target = applied;
        connecting = true;
        try {
            client.retarget(target.url());
            IMqttToken token = client.connectWithResult(options(target));
            MqttProperties props = token.getResponseProperties();
            client.setMaximumPacketSize(props == null ? null : props.getMaximumPacketSize());
            client.setReceiveMaximum(props == null ? null : props.getReceiveMaximum());
            retryMillis = FIRST_RETRY_MILLIS;
            connecting = false;
            ready(client.getServerURI());
        } catch (MqttException | RuntimeException e) {
            connecting = false;
            String problem = explain(e);
            if (!problem.equals(lastProblem)) {
                LOG.warn("MQTT broker {}: {}; retrying every {}s at most, events stay pending", target.url(), problem,
                        mqtt.maxReconnectDelay().toSeconds());
                lastProblem = problem;
            }
            long delay = retryMillis;
            retryMillis = Math.min(retryMillis * 2, mqtt.maxReconnectDelay().toMillis());
            if (running) {
                connector.schedule(() -> connect(attemptGeneration), delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void disconnect(boolean sayOffline) {
        connected = false;
        announced = false;
        try {
            if (client.isConnected()) {
                if (sayOffline) {
                    // a clean goodbye: the will is not sent, so say offline ourselves
                    client.publish(statusTopic, statusMessage("offline"));
                }
                client.disconnect(2000);
            }
        } catch (MqttException | RuntimeException e) {
            LOG.debug("MQTT disconnect: {}", e.toString());
            try {
                client.disconnectForcibly(0, 1000, false);
            } catch (MqttException ignored) {
                // nothing more to do for a connection being dropped
            }
        }
    }

    MqttConnectionOptions options(BrokerTarget target) {
        MqttConnectionOptions options = MqttOptions.common(mqtt, target, tlsSocketFactory);
        // the bridge's own state lives in the outbox, not in an MQTT session
        options.setCleanStart(true);
        options.setWill(statusTopic, statusMessage("offline"));
        return options;
    }

    /**
     * Paho's callback: after our own connect (which makes the connection ready itself, once it
     * has the broker's CONNACK) and after Paho's automatic reconnect (the broker's limits are
     * those of the last CONNACK we read).
     */
    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        if (!running || connecting) {
            // after the stop, stop() closes the client; during our own connect, connect() goes on
            return;
        }
        connector.execute(() -> {
            if (connected || !client.isConnected()) {
                return;
            }
            if (applied == null) {
                // Paho's reconnect outlived the leadership or the configuration: a follower holds no connection
                disconnect(false);
                return;
            }
            ready(serverURI);
        });
    }

    /** A new connection: the drains go on, and {@code online} follows once each has run on it. */
    private void ready(String serverURI) {
        client.connectionStarted();
        drainsRun.clear();
        announced = false;
        lastProblem = null;
        connected = true;
        LOG.info("MQTT broker connected {}", serverURI);
    }

    private void announceOnline() {
        if (!running || !isConnected() || announced || applied == null || !drainsRun.containsAll(drains)) {
            return;
        }
        try {
            client.publishAsync(statusTopic, statusMessage("online"));
            announced = true;
            LOG.info("Announced online on {}: {} running", statusTopic, String.join(" and ", drains));
        } catch (MqttException | RuntimeException e) {
            LOG.warn("Could not announce online on {}: {}", statusTopic, e.getMessage());
        }
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        connected = false;
        announced = false;
        String reason = response.getException() != null ? explain(response.getException())
                : response.getReasonString() != null ? response.getReasonString()
                : "disconnected by the broker (reason code " + response.getReturnCode() + ")";
        lastProblem = reason;
        if (running) {
            LOG.warn("MQTT broker lost {}: {}; publishing paused, events stay pending", brokerUrl(), reason);
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
                return "unknown host " + cause.getMessage() + ": check the broker address";
            }
            if (cause instanceof ConnectException) {
                return "unreachable (" + cause.getMessage() + "): is the broker running at that address?";
            }
        }
        if (e instanceof MqttException mqttException) {
            int code = mqttException.getReasonCode();
            if (code == 0x86 || code == 0x87 || code == 4 || code == 5) {
                return "refused the login (" + (code == 0x87 || code == 5 ? "not authorized" : "bad user name or password")
                        + "): check the broker user name and password";
            }
            if (code >= 0x80 && code <= 0xFF) {
                return "refused the connection: " + ReasonCodes.describe(code);
            }
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
