package org.nemo.bridge.outbound;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.nemo.bridge.cluster.Leadership;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.InboundProperties;
import org.nemo.bridge.config.InstanceId;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.mqtt.BrokerSettings;
import org.nemo.bridge.mqtt.MqttBatchComponent;
import org.nemo.bridge.mqtt.OutboundMqttClient;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The beans the outbound routes name: the broker connection, the doorbell, the batch publisher, the message builders. */
@Configuration(proxyBeanMethods = false)
public class OutboundConfiguration {

    /** Closed by {@link BrokerConnection#stop()}, after the routes stopped. */
    @Bean(destroyMethod = "")
    public OutboundMqttClient outboundMqttClient(BridgeProperties properties, InstanceId instance) throws MqttException {
        BridgeProperties.Mqtt mqtt = properties.mqtt();
        // with the broker from the plugin's table the client is re-pointed before its first connect
        String url = mqtt.configSource() == BridgeProperties.ConfigSource.DATABASE ? "tcp://127.0.0.1:1883" : mqtt.brokerUrl();
        return new OutboundMqttClient(url, mqtt.clientId() + "-pub-" + instance.shortId(),
                mqtt.publishTimeout().toMillis(), mqtt.maxPayloadBytes());
    }

    /** application.yaml, or the plugin's configuration table with bridge.mqtt.config-source=database. */
    @Bean
    public BrokerSettings brokerSettings(BridgeProperties properties, JdbcTemplate db) {
        BridgeProperties.Mqtt mqtt = properties.mqtt();
        return switch (mqtt.configSource()) {
            case PROPERTIES -> BrokerSettings.fromProperties(mqtt.brokerUrl(), mqtt);
            case DATABASE -> BrokerSettings.fromDatabase(db, mqtt);
        };
    }

    /** The publishing connection; {@code online} once the drains of the mode (the outbox's, the plugin's queue's) run on it. */
    @Bean
    public BrokerConnection brokerConnection(OutboundMqttClient client, BrokerSettings settings, BridgeProperties properties,
                                             MeterRegistry registry, Leadership leadership, OutboxDrainState drains,
                                             ApplicationEventPublisher events) {
        // the drain routes of routes/outbox.yaml and routes/plugin-queue.yaml
        List<String> drainRoutes = properties.plugin().queue() == BridgeProperties.PluginQueue.OFF
                ? List.of("outbox-drain") : List.of("outbox-drain", "plugin-queue-drain");
        BrokerConnection connection = new BrokerConnection(client, settings, properties.mqtt(), drainRoutes, events::publishEvent);
        drains.onRun(connection::drainRan);
        leadership.onChange(connection::leading);
        Gauge.builder("nemo.mqtt.connected", connection, c -> c.isConnected() ? 1 : 0)
                .description("1 while the publishing connection to the broker is up").register(registry);
        return connection;
    }

    /** The topic map; a row's own topic may not land where the bridge subscribes or publishes its own. */
    @Bean
    public TopicMap topicMap(BridgeProperties properties, InboundProperties inbound) {
        return new TopicMap(properties.mqtt().topicPrefix(), properties.topics(),
                List.of(inbound.eventsTopic(), inbound.telemetryTopic(), inbound.statusTopic().replace("{machine_id}", "+")),
                properties.outbox().allowReservedTopics(), properties.destinations());
    }

    @Bean
    public ToolMessages toolMessages(ObjectMapper json, TopicMap topics) {
        return new ToolMessages(json, topics);
    }

    @Bean
    public PluginQueueMessages pluginQueueMessages(TopicMap topics) {
        return new PluginQueueMessages(topics);
    }

    /** The drains' publisher: a batch at a time, on the leader's publishing connection (docs/mqtt-batch.md). */
    @Bean("mqtt-batch")
    public MqttBatchComponent mqttBatchComponent(BrokerConnection connection, Leadership leadership) {
        return new MqttBatchComponent(connection, leadership);
    }

    /**
     * Ready (the readiness group) only once the leader's drains run: {@code online} was said. A
     * follower, or a bridge without an enabled broker configuration, is ready as it is.
     */
    @Bean
    public HealthIndicator drainsHealthIndicator(BrokerConnection broker, Leadership leadership) {
        return () -> {
            if (!leadership.isLeader() || broker.isIdle() || broker.isAnnounced()) {
                return Health.up().build();
            }
            return Health.down().withDetail("waiting", broker.isConnected() ? "the first run of " + String.join(", ", broker.drainsNotRun())
                    : "the broker connection").build();
        };
    }

    @Bean
    public OutboxMetrics outboxMetrics(MeterRegistry registry) {
        return new OutboxMetrics(registry);
    }

    @Bean
    public OutboxDrainState outboxDrainState() {
        return new OutboxDrainState();
    }

    @Bean
    public PgListenerState pgListenerState(MeterRegistry registry) {
        return new PgListenerState(registry);
    }

    /** The doorbell component, on its own connection to Spring's database (not a pooled one). */
    @Bean("pg-listen")
    public PgListenComponent pgListenComponent(HikariDataSource dataSource, PgListenerState state, BridgeProperties properties) {
        return new PgListenComponent(dataSource.getJdbcUrl(), dataSource.getUsername(), dataSource.getPassword(), state,
                properties.outbox().listenCheckInterval().toMillis());
    }
}
