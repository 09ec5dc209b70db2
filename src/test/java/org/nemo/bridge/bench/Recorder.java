package org.nemo.bridge.bench;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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

/**
 * The display of the benchmark: subscribes to everything under nemo/ at QoS 1 and notes when
 * each benchmark event first arrives (System.nanoTime, the clock the producers note commits
 * with). An event is known by its key: u{usage id}+ / u{usage id}- for a tool enabled / disabled
 * by NEMO's trigger (told apart by the payload's "event", not the topic), e{seq} for an enqueue() and p{seq} for a plugin queue row.
 */
final class Recorder implements MqttCallback, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, Long> received = new ConcurrentHashMap<>();
    final AtomicLong stateMessages = new AtomicLong();
    final AtomicLong lastReceipt = new AtomicLong();
    private final MqttClient client;

    Recorder(String brokerUrl) throws MqttException {
        client = new MqttClient(brokerUrl, "bench-recorder-" + UUID.randomUUID(), new MemoryPersistence());
        client.setCallback(this);
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
        client.subscribe("nemo/#", 1);
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        long now = System.nanoTime();
        if (topic.endsWith("/state")) {
            stateMessages.incrementAndGet();
            return;
        }
        String key = key(topic, message.getPayload());
        if (key != null && received.putIfAbsent(key, now) == null) {
            lastReceipt.set(now);
        }
    }

    private static String key(String topic, byte[] payload) {
        try {
            JsonNode json = JSON.readTree(payload);
            JsonNode seq = json.get("bench_seq");
            if (seq != null) {
                return (topic.startsWith("nemo/bench/plugin") ? "p" : "e") + seq.asLong();
            }
            JsonNode usage = json.get("usage_id");
            if (usage != null) {
                return "u" + usage.asLong() + ("tool_enabled".equals(json.path("event").asText()) ? "+" : "-");
            }
        } catch (Exception e) {
            // not one of ours
        }
        return null;
    }

    @Override
    public void disconnected(MqttDisconnectResponse response) {
        System.err.println("bench recorder disconnected: " + response);
    }

    @Override
    public void mqttErrorOccurred(MqttException exception) {
        System.err.println("bench recorder: " + exception);
    }

    @Override
    public void deliveryComplete(IMqttToken token) {
        // subscribes only
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        // subscribed once connected
    }

    @Override
    public void authPacketArrived(int reasonCode, MqttProperties properties) {
        // no authentication
    }

    @Override
    public void close() throws MqttException {
        client.disconnect();
        client.close(true);
    }
}
