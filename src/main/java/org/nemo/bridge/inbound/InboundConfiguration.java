package org.nemo.bridge.inbound;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import javax.net.SocketFactory;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.nemo.bridge.outbound.BrokerTls;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.BrokerAddress;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/** The beans the inbound routes name: the two persistent sessions, the rules, the stores, liveness. */
@Configuration(proxyBeanMethods = false)
public class InboundConfiguration {

    @Bean(destroyMethod = "close")
    public InboundMqttClient inboundTelemetryClient(InboundProperties inbound, BridgeProperties bridge, BrokerAddress broker)
            throws MqttException {
        return new InboundMqttClient(broker.url(), inbound.clientId() + "-telemetry", options(inbound, bridge.mqtt(), broker.url()),
                inbound.sharedGroup(), bridge.mqtt().maxReconnectDelay().toMillis());
    }

    @Bean(destroyMethod = "close")
    public InboundMqttClient inboundEventsClient(InboundProperties inbound, BridgeProperties bridge, BrokerAddress broker)
            throws MqttException {
        return new InboundMqttClient(broker.url(), inbound.clientId() + "-events", options(inbound, bridge.mqtt(), broker.url()),
                inbound.sharedGroup(), bridge.mqtt().maxReconnectDelay().toMillis());
    }

    static MqttConnectionOptions options(InboundProperties inbound, BridgeProperties.Mqtt mqtt, String url) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(inbound.sessionExpiry().toSeconds());
        options.setReceiveMaximum(inbound.receiveMaximum());
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, (int) Math.max(1, mqtt.maxReconnectDelay().toSeconds()));
        // Paho 1.2.5 doubles its reconnect delay up to this one (default 128 s), not the one above
        options.setMaxReconnectDelay((int) Math.max(1000, mqtt.maxReconnectDelay().toMillis()));
        options.setKeepAliveInterval(mqtt.keepAlive());
        if (url.startsWith("ssl://")) {
            // the same broker TLS as the publishing connection (bridge.mqtt.tls.*)
            SocketFactory tls = BrokerTls.socketFactory(mqtt.tls());
            if (tls != null) {
                options.setSocketFactory(tls);
            }
            options.setHttpsHostnameVerificationEnabled(mqtt.tls().verifyHostname());
        }
        options.setConnectionTimeout((int) Math.max(1, mqtt.connectTimeout().toSeconds()));
        if (mqtt.username() != null && !mqtt.username().isBlank()) {
            options.setUserName(mqtt.username());
            if (mqtt.password() != null) {
                options.setPassword(mqtt.password().getBytes(StandardCharsets.UTF_8));
            }
        }
        return options;
    }

    @Bean
    public InboundSessionPolicy inboundSession() {
        return new InboundSessionPolicy();
    }

    @Bean
    public TelemetryRules telemetryRules(ObjectMapper json, InboundProperties inbound) {
        return new TelemetryRules(json, inbound.telemetryTopic(), inbound.maxPayloadBytes());
    }

    @Bean
    public EnvelopeRules envelopeRules(ObjectMapper json, InboundProperties inbound) {
        return new EnvelopeRules(json, inbound.maxPayloadBytes());
    }

    @Bean
    public InboundMetrics inboundMetrics(MeterRegistry registry) {
        return new InboundMetrics(registry);
    }

    @Bean(destroyMethod = "stop")
    public TelemetryStore telemetryStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundMqttClient inboundTelemetryClient,
                                         InboundProperties inbound, InboundMetrics metrics) {
        return new TelemetryStore(jdbc, transaction, inboundTelemetryClient, inbound.batchSize(), metrics);
    }

    @Bean(destroyMethod = "stop")
    public InboxStore inboxStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundMqttClient inboundEventsClient,
                                 InboundProperties inbound, InboundMetrics metrics) {
        return new InboxStore(jdbc, transaction, inboundEventsClient, inbound.batchSize(), metrics);
    }

    @Bean
    public MachineLiveness machineLiveness(ObjectMapper json, InboundProperties inbound, InboundMetrics metrics) {
        return new MachineLiveness(json, inbound.machineOfflineAfter(), inbound.statusTopic(), metrics);
    }
}
