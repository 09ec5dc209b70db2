package org.nemo.bridge.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import org.hibernate.validator.constraints.time.DurationMin;
import org.nemo.bridge.wire.TopicRules;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code bridge.*} settings, checked at start: a value out of range or a mode
 * that is not one of its enum's values stops the start with the setting's name. The defaults
 * live in application.yaml alone, where each key has its comment: the build puts that file in
 * the jar (and target/classes), so it is always read, and a file or environment variable of
 * the installation overrides single keys. The javadoc of each component is what an IDE shows
 * (configuration metadata).
 */
@Validated
@ConfigurationProperties("bridge")
public record BridgeProperties(
        @Valid Mqtt mqtt,
        @Valid Outbox outbox,
        @Valid Plugin plugin,
        @Valid Nemo nemo,
        Map<String, String> topics,
        Map<String, List<String>> destinations,
        @Valid Admin admin,
        @Valid Cluster cluster,
        @Valid Ops ops,
        @Valid Routes routes) {

    public BridgeProperties {
        topics = topics == null ? new LinkedHashMap<>() : topics;
        destinations = destinations == null ? new LinkedHashMap<>() : destinations;
    }

    /** Where the broker settings come from. */
    public enum ConfigSource {
        /** bridge.mqtt.* (application.yaml, environment). */
        PROPERTIES,
        /** The plugin's nemo_mqtt_mqttconfiguration table, reloaded without a restart. */
        DATABASE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether the Django plugin's queue table is drained. */
    public enum PluginQueue {
        /** When the table exists. */
        AUTO,
        ON,
        OFF;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether the triggers on NEMO's tables are installed. */
    public enum NemoTriggers {
        /** On, unless the Django plugin's queue is drained (then the plugin is the one source). */
        AUTO,
        TRUE,
        /** Removed; mqtt_bridge.enqueue() still works. */
        FALSE;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Who publishes when several instances run. */
    public enum ClusterService {
        /** A PostgreSQL advisory lock elects the one leader. */
        POSTGRES,
        /** Every instance publishes: run only one. */
        NONE,
        /** A CamelClusterService bean the deployment adds (e.g. a Kubernetes lease). */
        EXTERNAL;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param brokerUrl tcp://host:1883 or ssl://host:8883; required unless config-source is database
     * @param username login at the broker; empty for anonymous
     * @param password password at the broker
     * @param clientId base of the client ids; each connection adds its role and a per-instance suffix
     * @param configSource where broker settings come from: properties or database (the plugin's table)
     * @param hmacKey HMAC-SHA256 key for enveloped event payloads; empty: plain JSON
     * @param topicPrefix first level of every topic
     * @param keepAlive seconds between MQTT keep-alive pings
     * @param connectTimeout how long one connection attempt may take
     * @param maxReconnectDelay longest pause between reconnect attempts while the broker is away
     * @param publishTimeout how long to wait for a PUBACK before the publish is retried
     * @param maxPayloadBytes larger payloads are refused (the row goes dead) instead of being sent
     * @param tls broker TLS from PEM files
     * @param configCheckInterval with config-source=database: how often the table is checked in case a NOTIFY was missed
     */
    public record Mqtt(
            @Pattern(regexp = "|(tcp|ssl)://\\S+", message = "must be tcp://host:port or ssl://host:port") String brokerUrl,
            String username,
            String password,
            @NotBlank String clientId,
            ConfigSource configSource,
            String hmacKey,
            String topicPrefix,
            @PositiveOrZero @Max(65535) int keepAlive,
            @DurationMin(millis = 1) Duration connectTimeout,
            @DurationMin(millis = 1) Duration maxReconnectDelay,
            @DurationMin(millis = 1) Duration publishTimeout,
            @Positive @Max(268435455) int maxPayloadBytes,
            @Valid Tls tls,
            @DurationMin(millis = 1) Duration configCheckInterval) {

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
         *
         * @param ca PEM file of the CA that signed the broker's certificate (ssl:// URLs); empty: the JVM's public CAs
         * @param cert PEM client certificate, for brokers that require mutual TLS
         * @param key PEM private key of the client certificate
         * @param verifyHostname check that the broker's certificate names the host in the URL; false needs ca
         * @param enabled TLS for a broker taken from the plugin's table: true, false, or empty (TLS when ca or cert is set or the port is 8883)
         */
        public record Tls(String ca, String cert, String key, boolean verifyHostname, Boolean enabled) {

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

    /**
     * @param batchSize rows fetched per round trip
     * @param pollInterval the safety-net poll; NOTIFY wakes the drain sooner (at most 2s by contract)
     * @param retention published rows older than this are purged
     * @param listenCheckInterval how often the LISTEN connection proves it is alive with a NOTIFY to itself
     * @param listenMaxBytes bytes of notifications read at once at most; a flood beyond is dropped with the LISTEN connection, which listens again
     * @param batchMaxBytes bytes of payload fetched per round trip at most (a single larger row still goes alone)
     * @param allowReservedTopics let explicit enqueue topics and plugin-queue rows land in the bridge's own subtrees
     * @param purgeInterval how often the purge runs
     * @param purgeBatch how many rows one purge DELETE takes at most
     * @param retryInitialDelay first pause (ms) of the redelivery back-off while the broker or database is down
     * @param retryMaxDelay longest pause (ms) of that back-off
     */
    public record Outbox(
            @Positive int batchSize,
            @DurationMin(millis = 1) Duration pollInterval,
            @DurationMin(seconds = 1) Duration retention,
            @DurationMin(millis = 1) Duration listenCheckInterval,
            @Min(65536) long listenMaxBytes,
            @Positive long batchMaxBytes,
            boolean allowReservedTopics,
            @DurationMin(seconds = 1) Duration purgeInterval,
            @Positive int purgeBatch,
            @Positive long retryInitialDelay,
            @Positive long retryMaxDelay) {
    }

    /** @param queue drain the plugin's queue nemo_mqtt_mqtt_eventqueue: auto (when the table exists), on, off */
    public record Plugin(PluginQueue queue) {
    }

    /**
     * @param triggers install the triggers on NEMO's tables: auto, true, false
     * @param schema the schema holding NEMO's tables
     * @param events each kind of NEMO event beyond usage, operational and tasks
     * @param reservationHorizon how far ahead a tool's state shows its next reservation
     * @param stateRefreshInterval how often the states are checked for a reservation that started or came within the horizon
     */
    public record Nemo(
            NemoTriggers triggers,
            @NotBlank String schema,
            @Valid Events events,
            @DurationMin(seconds = 1) Duration reservationHorizon,
            @DurationMin(millis = 1) Duration stateRefreshInterval) {
    }

    /**
     * The optional kinds of NEMO events; each installs only where NEMO has its tables.
     *
     * @param interlock interlock_unlocked / _locked / _unknown, and the interlock in the tool state
     * @param tools tool_created / tool_updated (new tool, rename, visibility)
     * @param reservations reservation_created / _cancelled / _updated (the state's next reservation is kept either way)
     * @param areas area_created / area_updated
     * @param areaAccess area_access / area_access_ended (someone entered or left an area)
     */
    public record Events(
            boolean interlock,
            boolean tools,
            boolean reservations,
            boolean areas,
            boolean areaAccess) {
    }

    /**
     * The YAML route files: the jar's own (classpath:routes/), and a directory whose files
     * replace the jar's file of the same name or add routes, and are reloaded when edited.
     *
     * @param directory route files that replace the jar's of the same name or add routes (relative to the working directory)
     * @param reload watch the directory and reload a route file when it changes
     * @param checkOwnership load (and reload) a file of the directory only when it and the directory are owned by the
     *                       service's user or root and writable by neither group nor others; false only on a development machine
     */
    public record Routes(@NotBlank String directory, boolean reload,
                         boolean checkOwnership) {
    }

    /**
     * @param service who publishes when several instances run: postgres, none, external
     * @param checkInterval how often the leader proves its lock and followers try to take it
     * @param stepDownWait how long a leader that lost its lock (the database went away) waits for the batch in hand to be marked
     */
    public record Cluster(ClusterService service,
                          @DurationMin(millis = 1) Duration checkInterval,
                          Duration stepDownWait) {
    }

    /**
     * The one login for everything but health, the status page and the displays.
     *
     * @param username the admin's login name
     * @param password plain or {bcrypt}...; no default: a random one is generated into generated-password-file
     * @param generatedPasswordFile where a generated password goes (mode 0600)
     * @param jolokiaPolicy Jolokia's access policy (read-only by default)
     * @param loginThrottle failed logins per client address, then 429
     */
    public record Admin(@NotBlank String username, String password,
                        String generatedPasswordFile,
                        String jolokiaPolicy,
                        @Valid LoginThrottle loginThrottle) {

        /**
         * @param maxFailures failed logins from one address within the window; its further logins get 429 until the window ends
         * @param window how long failures count, from an address's first one
         * @param maxAddresses addresses remembered at most (the least used are forgotten first)
         */
        public record LoginThrottle(@Positive int maxFailures,
                                    @DurationMin(seconds = 1) Duration window,
                                    @Positive int maxAddresses) {
        }
    }

    /**
     * @param censusInterval how often the outbox gauges (pending, dead, lag) are refreshed
     * @param heartbeatInterval how often this instance's status row is refreshed
     */
    public record Ops(@DurationMin(millis = 1) Duration censusInterval,
                      @DurationMin(millis = 1) Duration heartbeatInterval) {
    }
}
