package org.nemo.bridge.ops;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nemo.bridge.config.InstanceId;
import org.nemo.bridge.mqtt.BrokerTarget;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.outbound.OutboxDrainState;
import org.nemo.bridge.outbound.OutboxMetrics;
import org.nemo.bridge.outbound.PgListenerState;
import org.springframework.boot.info.BuildProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.nemo.bridge.cluster.Leadership;
import org.nemo.bridge.wire.WireTime;

/** This instance's health in one place: for the heartbeat row, the status API and the page. */
@Component("bridgeStatus")
public class BridgeStatus {

    private final InstanceId instance;
    private final BrokerConnection broker;
    private final PgListenerState listener;
    private final OutboxDrainState drain;
    private final OutboxMetrics outbox;
    private final ObjectMapper json;
    private final Leadership leadership;
    private final String version;

    public BridgeStatus(InstanceId instance, BrokerConnection broker, PgListenerState listener, OutboxDrainState drain,
                        OutboxMetrics outbox, ObjectMapper json, ObjectProvider<BuildProperties> build, Leadership leadership) {
        this.leadership = leadership;
        this.instance = instance;
        this.broker = broker;
        this.listener = listener;
        this.drain = drain;
        this.outbox = outbox;
        this.json = json;
        BuildProperties props = build.getIfAvailable();
        this.version = props != null ? props.getVersion() : "dev";
    }

    public String version() {
        return version;
    }

    /**
     * standby while another instance leads; running when the broker and LISTEN are up; idle
     * when no broker is configured on purpose; degraded otherwise (events still wait safely).
     */
    public String status() {
        if (!leadership.isLeader()) {
            return "standby";
        }
        if (broker.isIdle()) {
            return "idle";
        }
        return broker.isConnected() && listener.isListening() ? "running" : "degraded";
    }

    public Map<String, Object> diagnostics() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("leader", leadership.isLeader());
        d.put("broker_url", broker.brokerUrl());
        d.put("broker_connected", broker.isConnected());
        d.put("broker_problem", broker.problem());
        d.put("listen_connected", listener.isListening());
        d.put("listen_problem", listener.problem());
        d.put("listen_reconnects", listener.reconnects());
        d.put("drain_paused_by", drain.pausedBy());
        d.put("pending", outbox.pending());
        d.put("dead", outbox.deadRows());
        d.put("lag_seconds", outbox.lagSeconds());
        return d;
    }

    /** The parameters of sql/bridge-status/heartbeat.sql. */
    public Map<String, Object> heartbeat() throws JsonProcessingException {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("instanceId", instance.id());
        row.put("status", status());
        row.put("leader", Boolean.toString(leadership.isLeader()));
        row.put("version", version);
        row.put("diagnostics", json.writeValueAsString(diagnostics()));
        row.put("pluginStatus", broker.isConnected() ? "connected" : "disconnected");
        row.put("pluginDiagnostics", json.writeValueAsString(pluginDiagnostics()));
        return row;
    }

    /**
     * The diagnostics the Django plugin's monitor shows (its bridge_diagnostics keys where ours
     * mean the same), no secrets: the broker by its URL and user, the configuration by its fingerprint.
     */
    public Map<String, Object> pluginDiagnostics() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("last_reload_reason", broker.lastReloadReason());
        d.put("last_reload_at", broker.lastReloadAt() == null ? null : WireTime.format(broker.lastReloadAt()));
        BrokerTarget applied = broker.applied();
        d.put("applied_config_fingerprint", applied == null ? null : applied.fingerprint());
        d.put("broker", applied == null ? null : applied.toString());
        d.put("last_error", broker.problem() == null ? "" : broker.problem());
        d.put("diagnostics_updated_at", WireTime.format(Instant.now()));
        return d;
    }
}
