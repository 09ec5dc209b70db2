package org.nemo.bridge.outbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.BrokerAddress;
import org.nemo.bridge.config.InstanceId;
import org.nemo.bridge.embedded.EmbeddedMqttBroker;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The beans the outbound routes name: the broker connection, the doorbell, the message builder. */
@Configuration(proxyBeanMethods = false)
public class OutboundConfiguration {

    /** Closed by {@link BrokerConnection#stop()}, after the routes stopped. */
    @Bean(destroyMethod = "")
    public OutboundMqttClient outboundMqttClient(BridgeProperties properties, ObjectProvider<EmbeddedMqttBroker> embedded,
                                                 InstanceId instance) throws MqttException {
        BridgeProperties.Mqtt mqtt = properties.mqtt();
        return new OutboundMqttClient(brokerUrl(mqtt, embedded), mqtt.clientId() + "-pub-" + instance.shortId(),
                mqtt.publishTimeout().toMillis(), mqtt.maxPayloadBytes());
    }

    @Bean
    public BrokerConnection brokerConnection(OutboundMqttClient client, BridgeProperties properties,
                                             ObjectProvider<EmbeddedMqttBroker> embedded, MeterRegistry registry) {
        BrokerConnection connection = new BrokerConnection(client, brokerUrl(properties.mqtt(), embedded), properties.mqtt());
        Gauge.builder("nemo.mqtt.connected", connection, c -> c.isConnected() ? 1 : 0)
                .description("1 while the publishing connection to the broker is up").register(registry);
        return connection;
    }

    @Bean
    public TopicMap topicMap(BridgeProperties properties) {
        return new TopicMap(properties.mqtt().topicPrefix(), properties.topics());
    }

    @Bean
    public ToolMessages toolMessages(ObjectMapper json, TopicMap topics) {
        return new ToolMessages(json, topics);
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

    static String brokerUrl(BridgeProperties.Mqtt mqtt, ObjectProvider<EmbeddedMqttBroker> embedded) {
        return BrokerAddress.url(mqtt, embedded);
    }
}
