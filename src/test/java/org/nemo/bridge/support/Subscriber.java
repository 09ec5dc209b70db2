package org.nemo.bridge.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/** A display, as tests see it: an MQTT 5 subscriber that records every message it receives. */
public class Subscriber implements AutoCloseable, MqttCallback {

    private static final ObjectMapper JSON = new ObjectMapper();

    public record Received(String topic, String payload, boolean retained, int qos, Map<String, String> userProperties,
                           String contentType, long receivedAtNanos) {

        public JsonNode json() {
            try {
                return JSON.readTree(payload);
            } catch (Exception e) {
                throw new AssertionError("not JSON on " + topic + ": " + payload, e);
            }
        }
    }

    private final String url;
    private final String filter;
    private final String sessionId;
    private final List<Received> received = new ArrayList<>();
    // connecting never holds the lock messageArrived needs: a resumed session delivers its queue
    // before the SUBACK, and Paho reads the SUBACK only once those messages were taken
    private final Object connection = new Object();
    private MqttClient client;

    public Subscriber(String url, String filter) {
        this(url, filter, false);
    }

    /**
     * @param keepSession a display whose session outlives its connection (and, with a broker that
     *                    keeps sessions on disk, a broker restart): the broker queues what is
     *                    published while it reconnects, so nothing it counts as lost was lost to it
     */
    public Subscriber(String url, String filter, boolean keepSession) {
        this.url = url;
        this.filter = filter;
        this.sessionId = keepSession ? "test-sub-" + UUID.randomUUID() : null;
        connect();
    }

    /** Connects (again) and subscribes at QoS 1; call right after a broker restart. */
    public final void connect() {
        synchronized (connection) {
            connectNow();
        }
    }

    private void connectNow() {
        try {
            if (client != null) {
                try {
                    client.disconnectForcibly(100, 100);
                } catch (MqttException ignored) {
                    // it was already gone
                }
                client.close(true);
            }
            client = new MqttClient(url, sessionId != null ? sessionId : "test-sub-" + UUID.randomUUID(), new MemoryPersistence());
            client.setCallback(this);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(sessionId == null);
            if (sessionId != null) {
                options.setSessionExpiryInterval(3600L);
            }
            options.setAutomaticReconnect(false);
            client.connect(options);
            client.subscribe(filter, 1);
        } catch (MqttException e) {
            throw new IllegalStateException("test subscriber could not connect to " + url, e);
        }
    }

    @Override
    public synchronized void messageArrived(String topic, MqttMessage message) {
        Map<String, String> props = new LinkedHashMap<>();
        MqttProperties properties = message.getProperties();
        String contentType = null;
        if (properties != null) {
            for (UserProperty p : properties.getUserProperties()) {
                props.put(p.getKey(), p.getValue());
            }
            contentType = properties.getContentType();
        }
        received.add(new Received(topic, new String(message.getPayload(), StandardCharsets.UTF_8), message.isRetained(),
                message.getQos(), props, contentType, System.nanoTime()));
        notifyAll();
    }

    public synchronized List<Received> all() {
        return new ArrayList<>(received);
    }

    public synchronized List<Received> on(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    public synchronized void clear() {
        received.clear();
    }

    /** Waits until {@code count} messages match, then returns all that match. */
    public synchronized List<Received> await(Predicate<Received> match, int count, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (true) {
            List<Received> hits = received.stream().filter(match).toList();
            long left = deadline - System.currentTimeMillis();
            if (hits.size() >= count || left <= 0) {
                if (hits.size() < count) {
                    throw new AssertionError("expected " + count + " messages, got " + hits.size() + " within " + timeout
                            + "; last received: " + received.subList(Math.max(0, received.size() - 5), received.size()));
                }
                return hits;
            }
            try {
                wait(Math.min(left, 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public Received awaitOne(String topic, Duration timeout) {
        return await(r -> r.topic().equals(topic), 1, timeout).get(0);
    }

    /** Asserts that nothing more arrives on the topic during {@code quiet}. */
    public List<Received> quietlyCollect(String topic, Duration quiet) {
        try {
            Thread.sleep(quiet.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return on(topic);
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        // tests reconnect explicitly
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        // surfaced by missing messages
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // subscriber only
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        // subscribed in connect()
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        // none
    }

    @Override
    public void close() {
        synchronized (connection) {
            disconnect();
        }
    }

    private void disconnect() {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close(true);
        } catch (MqttException ignored) {
            // test teardown
        }
    }
}
