package org.nemo.bridge.mqtt;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import org.nemo.bridge.config.BridgeProperties;
import org.springframework.jdbc.core.JdbcTemplate;

/** Where broker settings come from ({@code bridge.mqtt.config-source}). */
public interface BrokerSettings {

    /** The broker to use now; empty when there is none (no enabled configuration row). */
    Optional<BrokerTarget> current();

    /** application.yaml / environment: fixed for the life of the process. */
    static BrokerSettings fromProperties(String url, BridgeProperties.Mqtt mqtt) {
        BrokerTarget target = new BrokerTarget(url, mqtt.username(), mqtt.password(), mqtt.keepAlive(),
                blankToNull(mqtt.hmacKey()), "properties", "bridge.mqtt.*");
        return () -> Optional.of(target);
    }

    /**
     * The plugin's customization page: the single enabled row of nemo_mqtt_mqttconfiguration,
     * its fingerprint (id, updated_at) as the plugin's own bridge computes it.
     */
    static BrokerSettings fromDatabase(JdbcTemplate db, BridgeProperties.Mqtt mqtt) {
        return () -> {
            List<BrokerTarget> rows = db.query("SELECT * FROM mqtt_bridge.plugin_broker_config()", (rs, i) -> {
                String host = rs.getString("broker_host");
                int port = rs.getInt("broker_port");
                boolean hmac = rs.getBoolean("use_hmac");
                OffsetDateTime updated = rs.getObject("updated_at", OffsetDateTime.class);
                return new BrokerTarget(scheme(mqtt, port) + (host == null || host.isBlank() ? "localhost" : host)
                        + ":" + (port == 0 ? 1883 : port),
                        blankToNull(rs.getString("username")), rs.getString("password"),
                        rs.getInt("keepalive") > 0 ? rs.getInt("keepalive") : mqtt.keepAlive(),
                        hmac ? blankToNull(rs.getString("hmac_secret_key")) : null,
                        rs.getLong("id") + "@" + updated, "nemo_mqtt_mqttconfiguration id " + rs.getLong("id"));
            });
            return rows.stream().findFirst();
        };
    }

    /**
     * The plugin's table names no scheme: {@code bridge.mqtt.tls.enabled} decides when set, else
     * TLS when the lab gave us TLS files or the port is MQTT's TLS port.
     */
    static String scheme(BridgeProperties.Mqtt mqtt, int port) {
        Boolean enabled = mqtt.tls().enabled();
        boolean tls = enabled != null ? enabled : mqtt.tlsConfigured() || port == 8883;
        return tls ? "ssl://" : "tcp://";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
