package org.nemo.bridge.ops;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.InstanceId;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.mqtt.BrokerTarget;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.nemo.bridge.wire.WireTime;

/**
 * The bridge's state for people and monitors: {@code /api/status} (ours, rich) and
 * {@code /mqtt_bridge_status/} (the keys the Django plugin's monitor reads). No secrets.
 */
@RestController
public class StatusController {

    private final BridgeStatus status;
    private final BrokerConnection broker;
    private final InstanceId instance;
    private final BridgeProperties properties;
    private final JdbcTemplate db;
    private final Instant startedAt = Instant.now();

    public StatusController(BridgeStatus status, BrokerConnection broker, InstanceId instance, BridgeProperties properties,
                            JdbcTemplate db) {
        this.status = status;
        this.broker = broker;
        this.instance = instance;
        this.properties = properties;
        this.db = db;
    }

    @GetMapping("/api/status")
    public Map<String, Object> status() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status.status());
        body.put("version", status.version());
        body.put("instance", instance.id());
        body.put("started_at", time(startedAt));
        body.putAll(status.diagnostics());
        body.put("last_heartbeat", lastHeartbeat());
        body.put("oldest_pending_age_seconds", status.diagnostics().get("lag_seconds"));
        body.put("config", appliedConfig());
        return body;
    }

    /** Compatible with the nemo-mqtt-bridge plugin's monitor. */
    @GetMapping("/mqtt_bridge_status/")
    public Map<String, Object> pluginStatus() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", broker.isConnected() ? "connected" : "disconnected");
        body.put("updated_at", time(Instant.now()));
        body.put("last_heartbeat", lastHeartbeat());
        body.put("diagnostics", status.pluginDiagnostics());
        return body;
    }

    private Map<String, Object> appliedConfig() {
        BrokerTarget applied = broker.applied();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("config_source", properties.mqtt().configSource().toString());
        config.put("broker_url", applied == null ? null : applied.url());
        config.put("username", applied == null ? null : applied.username());
        config.put("password_set", applied != null && applied.password() != null && !applied.password().isEmpty());
        config.put("hmac", applied != null && applied.hmacKey() != null);
        config.put("topic_prefix", properties.mqtt().topicPrefix());
        config.put("batch_size", properties.outbox().batchSize());
        config.put("poll_interval", properties.outbox().pollInterval().toString());
        config.put("nemo_triggers", properties.nemo().triggers().toString());
        config.put("nemo_triggers_result", triggersResult(db));
        return config;
    }

    private String lastHeartbeat() {
        List<Instant> rows = db.query("SELECT last_heartbeat FROM mqtt_bridge.bridge_status WHERE instance_id = ?",
                (rs, i) -> rs.getTimestamp(1).toInstant(), instance.id());
        return rows.isEmpty() ? null : time(rows.get(0));
    }

    /** What the NEMO trigger installation said at the last migration, or null. */
    static String triggersResult(JdbcTemplate db) {
        List<String> rows = db.queryForList(
                "SELECT diagnostics ->> 'nemo_triggers' FROM mqtt_bridge.bridge_status WHERE instance_id = '_schema'", String.class);
        return rows.isEmpty() ? null : rows.get(0);
    }

    private static String time(Instant instant) {
        return WireTime.format(instant);
    }
}
