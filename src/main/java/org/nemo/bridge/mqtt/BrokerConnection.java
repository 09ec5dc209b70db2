package org.nemo.bridge.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import javax.net.SocketFactory;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClientException;
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
 * The leader's publishing connection, behind every {@code mqtt-batch:} endpoint. Exactly one
 * thing sends CONNECT at a time:
 * <ul>
 * <li>until the first CONNACK from a broker, whoever asks: leadership gained or a broker reload
 * tries once, and every drain attempt asks ({@link #requireConnected()}); a failed connect is a
 * {@link BrokerConnectFailedException}, which the drain's redelivery (routes/outbound-errors.yaml)
 * retries with back-off. A connect already under way makes the asker wait, not connect;</li>
 * <li>after it, Paho's automatic reconnect ({@code bridge.mqtt.max-reconnect-delay}) alone,
 * until the connection is let go on purpose (leadership lost, broker switched, stop).</li>
 * </ul>
 * Announces {@code online} on the retained bridge status topic once every drain of the mode ran
 * on the connection, and leaves {@code offline} as its last will. Follows broker reloads (the
 * plugin's table): the old broker is told {@code offline}, the connection moves between two
 * publishes, nothing queued is lost, and {@link BrokerSwitched} tells the other connections.
 * Logs one line per change of state, in {@link BrokerProblems}' words, never a stack trace.
 */
public class BrokerConnection implements SmartLifecycle, MqttCallback {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerConnection.class);

    private final OutboundMqttClient client;
    private final SocketFactory tlsSocketFactory;
    private final BrokerSettings settings;
    private final BridgeProperties.Mqtt mqtt;
    private final String statusTopic;
    private final Consumer<BrokerSwitched> switched;
    /** The connect that leadership gained started on the connector thread (done once it ended). */
    private volatile Future<?> leadersConnect = CompletableFuture.completedFuture(null);
    /** Leadership changes, reloads and the announcement, in order, off the callers' threads. */
    private final ExecutorService connector = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "mqtt-connector");
        thread.setDaemon(true);
        return thread;
    });
    /** Held by whoever connects, disconnects or re-targets the client. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The drain routes of the mode: {@code online} waits until each has run on the connection. */
    private final List<String> drains;
    private final Set<String> drainsRun = ConcurrentHashMap.newKeySet();
    private volatile boolean running;
    private volatile boolean connected;
    private volatile boolean announced;
    /** A connect of our own is under way: it makes the connection ready itself, with the broker's CONNACK. */
    private volatile boolean connecting;
    /** The client had a CONNACK and was not let go on purpose since: Paho's automatic reconnect owns it. */
    private volatile boolean pahoReconnects;
    private volatile String lastProblem;
    private volatile BrokerTarget applied;
    private volatile String lastReloadReason;
    private volatile Instant lastReloadAt;

    /**
     * @param drains   the drain routes of the mode (from the outbound configuration): {@code online}
     *                 is said once each has run
     * @param switched told when a reload moved the connection to another broker (or to none)
     */
    public BrokerConnection(OutboundMqttClient client, BrokerSettings settings, BridgeProperties.Mqtt mqtt, List<String> drains,
                            Consumer<BrokerSwitched> switched) {
        this.client = client;
        this.drains = List.copyOf(drains);
        this.tlsSocketFactory = BrokerTls.socketFactory(mqtt.tls());
        this.settings = settings;
        this.mqtt = mqtt;
        this.switched = switched;
        this.statusTopic = mqtt.topicPrefix() + "/bridge/status";
        client.setCallback(this);
    }

    OutboundMqttClient client() {
        return client;
    }

    public boolean isConnected() {
        return connected && client.isConnected();
    }

    /**
     * A drain's first step: no batch is fetched while there is no broker to take it. Before the
     * client's first CONNACK this is the connect: one attempt, unless one is under way. Then
     * Paho reconnects by itself and this only says whether it has.
     *
     * @throws BrokerUnavailableException  no connection, and nothing for this caller to do (a
     *                                     connect or Paho's reconnect under way, no broker
     *                                     configured, not the leader): ask again shortly
     * @throws BrokerConnectFailedException this caller's connect failed: ask again after a back-off
     */
    public void requireConnected() throws BrokerUnavailableException, BrokerConnectFailedException {
        if (isConnected()) {
            return;
        }
        awaitLeadersConnect();
        if (isConnected()) {
            return;
        }
        if (!running || applied == null || pahoReconnects || !lock.tryLock()) {
            throw unavailable();
        }
        try {
            if (isConnected()) {
                return;
            }
            if (applied == null || pahoReconnects) {
                throw unavailable();
            }
            String problem = connect();
            if (problem != null) {
                throw new BrokerConnectFailedException("MQTT broker " + applied.url() + ": " + problem);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Leadership was just gained and its connect is under way (or queued) on the connector
     * thread: a drain woken meanwhile waits for it, at most the connect timeout, rather than
     * report the broker away and pause.
     */
    private void awaitLeadersConnect() {
        try {
            leadersConnect.get(mqtt.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | CancellationException e) {
            // the connect reports its own problem; the caller goes on as without one under way
        }
    }

    private BrokerUnavailableException unavailable() {
        String problem = lastProblem;
        return new BrokerUnavailableException("no connection to the MQTT broker" + (problem == null ? "" : " (" + problem + ")"));
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
        Future<?> change = connector.submit(() -> {
            if (leader) {
                apply("start");
                return;
            }
            lock.lock();
            try {
                disconnect(true);
                applied = null;
                lastProblem = "not the leader";
                drainsRun.clear();
            } finally {
                lock.unlock();
            }
        });
        if (leader) {
            leadersConnect = change;
        }
    }

    /**
     * A configuration change may have happened (NOTIFY nemo_mqtt_reload, or the periodic check):
     * applied when the settings differ from those in use in anything (an edit by hand that kept
     * {@code updated_at} too), or on every NOTIFY.
     */
    public void reload(String reason) {
        if (running && applied != null || running && "no enabled MQTT configuration".equals(lastProblem)) {
            connector.execute(() -> {
                if (!Objects.equals(currentSettings().orElse(null), applied) || "notify".equals(reason)) {
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
            // a reload in progress ends before the connection is let go
            connector.awaitTermination(mqtt.connectTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            boolean wasConnected = client.isConnected();
            disconnect(true);
            if (wasConnected) {
                LOG.info("MQTT broker disconnected {}", brokerUrl());
            }
            // Paho's threads go with the client: a connect that Paho completes after the stop
            // would otherwise keep a JVM whose start was refused alive
            client.close();
        } catch (MqttException | RuntimeException e) {
            LOG.debug("MQTT client close: {}", e.toString());
        } finally {
            lock.unlock();
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

    /**
     * Reads the settings and, when they differ from those in use, lets the old broker go (told
     * {@code offline}) and tries the new one once; the drains ask again if that fails.
     */
    private void apply(String reason) {
        Optional<BrokerTarget> next = currentSettings();
        BrokerTarget previous = applied;
        if (!"start".equals(reason)) {
            lastReloadReason = reason;
            lastReloadAt = Instant.now();
        }
        if (Objects.equals(next.orElse(null), previous)) {
            return; // Paho's own reconnect, or the drains' next attempt, is already on it
        }
        lock.lock();
        try {
            if (previous != null) {
                LOG.info("MQTT configuration reload ({}): {} -> {}", reason, previous, next.map(Object::toString).orElse("none"));
                disconnect(true);
            }
            applied = next.orElse(null);
            if (applied == null) {
                lastProblem = "no enabled MQTT configuration";
                LOG.info("No enabled MQTT configuration; the bridge idles and events stay pending until one is enabled");
            } else {
                client.retarget(applied.url());
                lastProblem = null;
            }
        } catch (MqttException e) {
            lastProblem = BrokerProblems.explain(e);
            LOG.warn("MQTT broker {}: {}", applied.url(), lastProblem);
            return;
        } finally {
            lock.unlock();
        }
        if (!"start".equals(reason)) {
            switched.accept(new BrokerSwitched(previous, applied));
        }
        if (applied != null && lock.tryLock()) {
            try {
                connect();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * One connect to the applied broker, waiting for its CONNACK (at most the publish timeout);
     * the caller holds the lock. Null when connected, else why not (logged once per problem).
     */
    private String connect() {
        BrokerTarget target = applied;
        if (!running || target == null || client.isConnected()) {
            return null;
        }
        connecting = true;
        try {
            IMqttToken token = client.connectWithResult(options(target));
            MqttProperties props = token.getResponseProperties();
            client.setMaximumPacketSize(props == null ? null : props.getMaximumPacketSize());
            client.setReceiveMaximum(props == null ? null : props.getReceiveMaximum());
            pahoReconnects = true;
            ready(target.url());
            return null;
        } catch (MqttException | RuntimeException e) {
            if (e instanceof MqttException m && m.getReasonCode() == MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS) {
                // an earlier connect that outlived its wait is still on its way: its CONNACK makes the connection ready
                return "a connect is under way";
            }
            String problem = BrokerProblems.explain(e);
            if (!problem.equals(lastProblem)) {
                LOG.warn("MQTT broker {}: {}; the drains try again with back-off (routes/outbound-errors.yaml), events stay pending",
                        target.url(), problem);
                lastProblem = problem;
            }
            return problem;
        } finally {
            connecting = false;
        }
    }

    /** Lets the connection go on purpose (Paho does not reconnect it); {@code offline} first when asked. Hold the lock. */
    private void disconnect(boolean sayOffline) {
        connected = false;
        announced = false;
        pahoReconnects = false;
        try {
            if (client.isConnected()) {
                if (sayOffline) {
                    // a clean goodbye: the will is not sent, so say offline ourselves
                    client.publish(statusTopic, statusMessage("offline"));
                }
                client.disconnect(2000);
            } else {
                // Paho may be between two reconnect attempts: a fresh client, the old one closed, stops them
                client.renew();
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
            lock.lock();
            try {
                if (connected || !client.isConnected()) {
                    return;
                }
                if (applied == null) {
                    // a connect that outlived the leadership or the configuration: a follower holds no connection
                    disconnect(false);
                    return;
                }
                // Paho's reconnect, or a connect of ours that outlived its wait
                pahoReconnects = true;
                ready(serverURI);
            } finally {
                lock.unlock();
            }
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
        String reason = response.getException() != null ? BrokerProblems.explain(response.getException())
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
}
