package org.nemo.bridge.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.nemo.bridge.wire.TopicRules;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code bridge.*} settings (DESIGN §8). Defaults live in application.yaml, where each
 * key has its comment; the values here only make the object usable in tests.
 */
@ConfigurationProperties("bridge")
public record BridgeProperties(
        @DefaultValue Mqtt mqtt,
        @DefaultValue Outbox outbox,
        @DefaultValue Nemo nemo,
        Map<String, String> topics,
        @DefaultValue Embedded embedded,
        @DefaultValue Admin admin,
        @DefaultValue Cluster cluster,
        @DefaultValue Routes routes) {

    public BridgeProperties {
        topics = topics == null ? new LinkedHashMap<>() : topics;
    }

    public record Mqtt(
            @DefaultValue("embedded") String brokerUrl,
            String username,
            String password,
            @DefaultValue("nemo-mqtt-bridge") String clientId,
            @DefaultValue("properties") String configSource,
            String hmacKey,
            @DefaultValue("nemo") String topicPrefix,
            @DefaultValue("30") int keepAlive,
            @DefaultValue("10s") Duration connectTimeout,
            @DefaultValue("5s") Duration maxReconnectDelay,
            @DefaultValue("10s") Duration publishTimeout,
            @DefaultValue("262144") int maxPayloadBytes,
            @DefaultValue Tls tls) {

        public Mqtt {
            // every topic the bridge publishes starts with the prefix: a bad one stops the start, not each publish
            try {
                TopicRules.topic(topicPrefix);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bridge.mqtt.topic-prefix: " + e.getMessage());
            }
            if (topicPrefix.startsWith("/") || topicPrefix.endsWith("/")) {
                throw new IllegalArgumentException("bridge.mqtt.topic-prefix '" + topicPrefix + "' may not start or end with '/'");
            }
        }

        /**
         * Broker TLS from PEM files; without a CA the JVM's trusted public CAs are used.
         * {@code enabled} decides TLS for a broker taken from the plugin's table, which names a
         * host and a port but no scheme: null (the default) means TLS when a CA or client
         * certificate is set or the port is 8883.
         */
        public record Tls(String ca, String cert, String key, @DefaultValue("true") boolean verifyHostname, Boolean enabled) {

            public Tls {
                // without hostname verification, only a private CA keeps a stranger's certificate out:
                // any certificate a public CA issued, for any host, would otherwise be accepted
                if (!verifyHostname && (ca == null || ca.isBlank())) {
                    throw new IllegalArgumentException("bridge.mqtt.tls.verify-hostname=false needs bridge.mqtt.tls.ca "
                            + "(the lab's own CA): without it any certificate a public CA issued for any host would be accepted");
                }
            }
        }

        public boolean tlsConfigured() {
            return (tls.ca() != null && !tls.ca().isBlank()) || (tls.cert() != null && !tls.cert().isBlank());
        }
    }

    public record Outbox(
            @DefaultValue("500") int batchSize,
            @DefaultValue("1s") Duration pollInterval,
            @DefaultValue("7d") Duration retention,
            @DefaultValue("5s") Duration listenCheckInterval,
            @DefaultValue("8388608") long batchMaxBytes,
            @DefaultValue("false") boolean allowReservedTopics) {
    }

    public record Nemo(
            @DefaultValue("auto") String triggers,
            @DefaultValue("public") String schema,
            @DefaultValue Events events,
            @DefaultValue("24h") Duration reservationHorizon,
            @DefaultValue("30s") Duration stateRefreshInterval) {
    }

    /** The optional kinds of NEMO events; each installs only where NEMO has its tables. */
    public record Events(
            @DefaultValue("true") boolean interlock,
            @DefaultValue("true") boolean tools,
            @DefaultValue("true") boolean reservations,
            @DefaultValue("true") boolean areas,
            @DefaultValue("true") boolean areaAccess) {
    }

    /** The YAML route files: where they are, and whether an edit is reloaded. */
    public record Routes(@DefaultValue("routes") String directory, @DefaultValue("true") boolean reload) {
    }

    /** Which instance publishes: postgres (advisory lock), none (every instance), external. */
    public record Cluster(@DefaultValue("postgres") String service, @DefaultValue("2s") java.time.Duration checkInterval) {
    }

    /** The one login for everything but health, the status page and the displays. */
    public record Admin(@DefaultValue("admin") String username, String password,
                        @DefaultValue("nemo-mqtt-bridge-admin-password") String generatedPasswordFile) {
    }

    public record Embedded(
            @DefaultValue("1883") int mqttPort,
            @DefaultValue("0") int postgresPort) {
    }
}
