package org.nemo.bridge.crash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

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

/**
 * The display side of a fault run: records each event's id, tool, sequence number and arrival
 * time. Its session outlives a broker restart (clean start off, one hour of session expiry,
 * automatic reconnect within a second or two) so that the broker queues what the bridge
 * publishes while this subscriber is reconnecting: a loss it counted would be the bridge's,
 * not its own.
 */
final class EventRecorder implements MqttCallback, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * At most this many messages are sent to the recorder unacknowledged: after a broker
     * restart the broker may resend them, so it bounds the duplicates the recorder itself can see.
     */
    static final int RECEIVE_MAXIMUM = 1;

    record Arrival(String eventId, int tool, int seq, int index, long atNanos) {
    }

    private final String filter;
    private final MqttClient client;
    private final List<Arrival> arrivals = new ArrayList<>();
    private final Set<Integer> distinctIndexes = new HashSet<>();
    private final List<String> problems = new ArrayList<>();

    EventRecorder(String url, String filter) {
        this.filter = filter;
        try {
            client = new MqttClient(url, "crash-recorder-" + UUID.randomUUID(), new MemoryPersistence());
            client.setCallback(this);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(false);
            options.setSessionExpiryInterval(3600L);
            options.setAutomaticReconnect(true);
            options.setAutomaticReconnectDelay(1, 2);
            options.setConnectionTimeout(5);
            options.setReceiveMaximum(RECEIVE_MAXIMUM);
            client.connect(options);
            client.subscribe(filter, 1);
        } catch (MqttException e) {
            throw new IllegalStateException("recorder could not connect to " + url, e);
        }
    }

    @Override
    public synchronized void messageArrived(String topic, MqttMessage message) {
        long at = System.nanoTime();
        String eventId = null;
        MqttProperties properties = message.getProperties();
        if (properties != null) {
            for (UserProperty p : properties.getUserProperties()) {
                if (p.getKey().equals("event_id")) {
                    eventId = p.getValue();
                }
            }
        }
        try {
            JsonNode json = JSON.readTree(new String(message.getPayload(), StandardCharsets.UTF_8));
            if (eventId == null || !eventId.equals(json.path("event_id").asText())) {
                problems.add("event_id property " + eventId + " differs from the payload's on " + topic);
            }
            Arrival a = new Arrival(eventId, json.path("tool").asInt(), json.path("seq").asInt(), json.path("i").asInt(), at);
            arrivals.add(a);
            distinctIndexes.add(a.index());
        } catch (Exception e) {
            problems.add("not JSON on " + topic);
        }
        notifyAll();
    }

    synchronized int distinct() {
        return distinctIndexes.size();
    }

    synchronized List<Arrival> arrivals() {
        return new ArrayList<>(arrivals);
    }

    synchronized List<String> problems() {
        return new ArrayList<>(problems);
    }

    /** Waits until {@code count} distinct events arrived or the time is up; returns how many did. */
    synchronized int awaitDistinct(int count, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (distinctIndexes.size() < count) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            wait(Math.min(left, 200));
        }
        return distinctIndexes.size();
    }

    /** First arrival after the given instant, in nanos, or -1. */
    synchronized long firstArrivalAfter(long nanos) {
        for (Arrival a : arrivals) {
            if (a.atNanos() > nanos) {
                return a.atNanos();
            }
        }
        return -1;
    }

    /** Per tool, the highest sequence number seen so far before each first arrival. */
    static int orderViolations(List<Arrival> arrivals) {
        Map<Integer, Integer> highest = new HashMap<>();
        Set<String> seen = new HashSet<>();
        int violations = 0;
        for (Arrival a : arrivals) {
            if (!seen.add(a.eventId())) {
                // a redelivery is counted as a duplicate, not as a step back
                continue;
            }
            Integer before = highest.get(a.tool());
            if (before != null && a.seq() < before) {
                violations++;
            }
            highest.merge(a.tool(), a.seq(), Math::max);
        }
        return violations;
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        // reconnects by itself
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        // a loss would show in the figures
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // subscriber only
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        if (reconnect) {
            // the session normally kept the subscription; a broker that lost it gets it again
            new Thread(() -> {
                try {
                    client.subscribe(filter, 1);
                } catch (MqttException ignored) {
                    // the next reconnect tries again
                }
            }, "recorder-resubscribe").start();
        }
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        // none
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close(true);
        } catch (MqttException ignored) {
            // teardown
        }
    }
}
