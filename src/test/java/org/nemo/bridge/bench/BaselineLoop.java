package org.nemo.bridge.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.postgresql.PGConnection;
import org.springframework.core.io.ClassPathResource;

/**
 * The benchmark's baseline: the simplest hand-written loop that does the bridge's job on the
 * same tables, with no Camel and no Spring. LISTEN (or a 1 s poll), fetch a batch in id order
 * with the bridge's own fetch query (so it publishes the same event and state messages), publish
 * every message asynchronously at QoS 1 within the broker's Receive Maximum, wait for all
 * PUBACKs, then mark the batch published with one UPDATE. No error handling beyond dying: it is
 * a yardstick, not a service. Run as its own JVM: {@code BaselineLoop <jdbc-url> <broker-url>}.
 */
public final class BaselineLoop {

    private static final int BATCH = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private BaselineLoop() {
    }

    public static void main(String[] args) throws Exception {
        String jdbcUrl = args[0];
        String brokerUrl = args[1];
        // the bridge's fetch with its shipped limits (application.yaml: bridge.mqtt.max-payload-bytes, bridge.outbox.batch-max-bytes)
        String fetchOutbox = new ClassPathResource("sql/outbox/fetch-pending.sql").getContentAsString(StandardCharsets.UTF_8)
                .replace(":#batchSize", "?").replace(":#maxRowBytes", "262144").replace(":#maxBatchBytes", "8388608");
        try (Connection listen = DriverManager.getConnection(jdbcUrl, "postgres", "");
             Connection db = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            try (Statement s = listen.createStatement()) {
                s.execute("LISTEN nemo_mqtt_events");
            }
            MqttAsyncClient mqtt = new MqttAsyncClient(brokerUrl, "bench-baseline", new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            IMqttToken connected = mqtt.connect(options);
            connected.waitForCompletion(10_000);
            Integer receiveMaximum = connected.getResponseProperties() == null ? null
                    : connected.getResponseProperties().getReceiveMaximum();
            int window = Math.min(receiveMaximum == null ? 65_535 : receiveMaximum, 1_000);
            PreparedStatement outbox = db.prepareStatement(fetchOutbox);
            PreparedStatement markOutbox = db.prepareStatement(
                    "UPDATE mqtt_bridge.outbox SET status = 'published', published_at = clock_timestamp(), attempts = attempts + 1"
                            + " WHERE id = ANY (?) AND status = 'pending'");
            PreparedStatement plugin = db.prepareStatement("SELECT id, topic, payload, qos, retain FROM nemo_mqtt_mqtt_eventqueue"
                    + " WHERE processed = false ORDER BY id LIMIT " + BATCH);
            PreparedStatement markPlugin = db.prepareStatement("UPDATE nemo_mqtt_mqtt_eventqueue SET processed = true WHERE id = ANY (?)");
            System.out.println("BASELINE READY window=" + window);
            PGConnection pg = listen.unwrap(PGConnection.class);
            while (true) {
                int fetched = drainOutbox(outbox, markOutbox, mqtt, window, db) + drainPlugin(plugin, markPlugin, mqtt, window, db);
                if (fetched == 0) {
                    // the doorbell, or a one-second poll as the safety net
                    pg.getNotifications(1_000);
                }
            }
        }
    }

    private static int drainOutbox(PreparedStatement fetch, PreparedStatement mark, MqttAsyncClient mqtt, int window,
                                   Connection db) throws Exception {
        fetch.setInt(1, BATCH);
        List<Long> ids = new ArrayList<>();
        Pipeline pipeline = new Pipeline(mqtt, window);
        try (ResultSet rs = fetch.executeQuery()) {
            while (rs.next()) {
                long id = rs.getLong("id");
                String eventType = rs.getString("event_type");
                int toolId = rs.getInt("tool_id");
                boolean hasTool = !rs.wasNull();
                String topic = rs.getString("topic");
                byte[] event = eventBytes(rs.getString("payload"), rs.getString("event_id"));
                String eventTopic = "nemo/" + (topic != null ? topic
                        : hasTool ? "tools/" + toolId + "/" + eventType : "events/" + eventType);
                if (!"tool_state_refresh".equals(eventType)) {
                    pipeline.publish(eventTopic, event, false, rs.getString("event_id"), eventType);
                }
                String states = rs.getString("states");
                if (states != null) {
                    for (JsonNode state : JSON.readTree(states)) {
                        pipeline.publish("nemo/tools/" + state.path("tool_id").asInt() + "/state", JSON.writeValueAsBytes(state), true,
                                rs.getString("event_id"), eventType);
                    }
                }
                ids.add(id);
            }
        }
        pipeline.awaitAll();
        if (!ids.isEmpty()) {
            mark.setArray(1, db.createArrayOf("bigint", ids.toArray()));
            mark.executeUpdate();
        }
        return ids.size();
    }

    private static int drainPlugin(PreparedStatement fetch, PreparedStatement mark, MqttAsyncClient mqtt, int window,
                                   Connection db) throws Exception {
        List<Long> ids = new ArrayList<>();
        Pipeline pipeline = new Pipeline(mqtt, window);
        try (ResultSet rs = fetch.executeQuery()) {
            while (rs.next()) {
                MqttMessage message = new MqttMessage(rs.getString("payload").getBytes(StandardCharsets.UTF_8));
                message.setQos(rs.getInt("qos"));
                message.setRetained(rs.getBoolean("retain"));
                pipeline.publish(rs.getString("topic"), message);
                ids.add(rs.getLong("id"));
            }
        }
        pipeline.awaitAll();
        if (!ids.isEmpty()) {
            mark.setArray(1, db.createArrayOf("bigint", ids.toArray()));
            mark.executeUpdate();
        }
        return ids.size();
    }

    /** The event with its event_id added, as the bridge sends it (the bridge also adds a timestamp). */
    private static byte[] eventBytes(String payload, String eventId) throws Exception {
        ObjectNode node = (ObjectNode) JSON.readTree(payload);
        if (!node.has("event_id")) {
            node.put("event_id", eventId);
        }
        return JSON.writeValueAsBytes(node);
    }

    /** At most {@code window} publishes awaiting their PUBACK; the oldest is waited for first. */
    private static final class Pipeline {
        private final MqttAsyncClient mqtt;
        private final int window;
        private final ArrayDeque<IMqttToken> inFlight = new ArrayDeque<>();

        Pipeline(MqttAsyncClient mqtt, int window) {
            this.mqtt = mqtt;
            this.window = window;
        }

        void publish(String topic, byte[] payload, boolean retained, String eventId, String eventType) throws Exception {
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            message.setRetained(retained);
            MqttProperties properties = new MqttProperties();
            properties.setContentType("application/json");
            properties.setUserProperties(List.of(new UserProperty("event_id", eventId),
                    new UserProperty("event_type", eventType)));
            message.setProperties(properties);
            publish(topic, message);
        }

        void publish(String topic, MqttMessage message) throws Exception {
            while (inFlight.size() >= window) {
                inFlight.poll().waitForCompletion(10_000);
            }
            inFlight.add(mqtt.publish(topic, message));
        }

        void awaitAll() throws Exception {
            while (!inFlight.isEmpty()) {
                inFlight.poll().waitForCompletion(10_000);
            }
        }
    }
}
