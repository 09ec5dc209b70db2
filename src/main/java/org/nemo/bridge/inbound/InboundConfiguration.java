package org.nemo.bridge.inbound;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import javax.net.SocketFactory;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.nemo.bridge.mqtt.BrokerSettings;
import org.nemo.bridge.mqtt.BrokerTarget;
import org.nemo.bridge.mqtt.BrokerTls;
import org.nemo.bridge.mqtt.MqttOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.nemo.bridge.config.BridgeProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.nemo.bridge.config.InboundProperties;

/** The beans the inbound routes name: the two persistent sessions, the rules, the stores, liveness. */
@Configuration(proxyBeanMethods = false)
public class InboundConfiguration {

    @Bean(destroyMethod = "close")
    public InboundMqttClient inboundTelemetryClient(InboundProperties inbound, BridgeProperties bridge,
                                                 BrokerSettings settings) throws MqttException {
        return new InboundMqttClient(url(bridge.mqtt(), settings), inbound.clientId() + "-telemetry", options(inbound, bridge.mqtt(), url(bridge.mqtt(), settings)),
                inbound.sharedGroup(), bridge.mqtt().maxReconnectDelay().toMillis());
    }

    @Bean(destroyMethod = "close")
    public InboundMqttClient inboundEventsClient(InboundProperties inbound, BridgeProperties bridge,
                                                 BrokerSettings settings) throws MqttException {
        return new InboundMqttClient(url(bridge.mqtt(), settings), inbound.clientId() + "-events", options(inbound, bridge.mqtt(), url(bridge.mqtt(), settings)),
                inbound.sharedGroup(), bridge.mqtt().maxReconnectDelay().toMillis());
    }

    /**
     * The broker the inbound sessions listen to: bridge.mqtt.broker-url;
     * with broker settings from the plugin's table and no URL of their own, the broker enabled
     * there at start (a later reload moves only the publishing connection).
     */
    static String url(BridgeProperties.Mqtt mqtt, BrokerSettings settings) {
        String url = mqtt.brokerUrl();
        if (url != null && url.contains("://")) {
            return url;
        }
        return settings.current().map(BrokerTarget::url).orElse(InboundMqttClient.NO_BROKER);
    }

    static MqttConnectionOptions options(InboundProperties inbound, BridgeProperties.Mqtt mqtt, String url) {
        BrokerTarget target = new BrokerTarget(url, mqtt.username(), mqtt.password(), mqtt.keepAlive(), null, "inbound", "inbound");
        MqttConnectionOptions options = MqttOptions.common(mqtt, target, url.startsWith("ssl://") ? BrokerTls.socketFactory(mqtt.tls()) : null);
        // a persistent session: the broker keeps our QoS 1 messages while the bridge is away
        options.setCleanStart(false);
        options.setSessionExpiryInterval(inbound.sessionExpiry().toSeconds());
        options.setReceiveMaximum(receiveMaximum(inbound));
        // MQTT 5 Maximum Packet Size: the broker drops a larger message instead of sending it, so
        // no message bigger than the payload limit plus its topic and properties is ever read
        options.setMaximumPacketSize(maximumPacketSize(inbound.maxPayloadBytes()));
        return options;
    }

    /**
     * The broker sends at most Receive Maximum unacknowledged messages, each at most the Maximum
     * Packet Size: their product is what a burst can hold in memory, so the window is bounded by
     * bytes (bridge.inbound.max-inflight-bytes) as well as by count.
     */
    static int receiveMaximum(InboundProperties inbound) {
        long byBytes = inbound.maxInflightBytes() / maximumPacketSize(inbound.maxPayloadBytes());
        return (int) Math.max(1, Math.min(inbound.receiveMaximum(), Math.min(byBytes, 65_535)));
    }

    /** Room beside the payload for the fixed header, a topic of MQTT's longest and the properties. */
    static final long PACKET_HEADROOM = 128 * 1024;

    static long maximumPacketSize(int maxPayloadBytes) {
        return maxPayloadBytes + PACKET_HEADROOM;
    }

    @Bean
    public InboundSessionPolicy inboundSession() {
        return new InboundSessionPolicy();
    }

    @Bean
    public TelemetryRules telemetryRules(ObjectMapper json, InboundProperties inbound) {
        return new TelemetryRules(json, inbound.telemetryTopic(), inbound.maxPayloadBytes(), inbound.machineIdPattern(),
                inbound.rejectedKeepBytes(), inbound.maxClockSkew());
    }

    @Bean
    public EnvelopeRules envelopeRules(ObjectMapper json, InboundProperties inbound) {
        return new EnvelopeRules(json, inbound.maxPayloadBytes(), inbound.rejectedKeepBytes());
    }

    @Bean
    public InboundMetrics inboundMetrics(MeterRegistry registry) {
        return new InboundMetrics(registry);
    }

    @Bean(destroyMethod = "stop")
    public TelemetryStore telemetryStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundMqttClient inboundTelemetryClient,
                                         InboundProperties inbound, InboundMetrics metrics) {
        return new TelemetryStore(jdbc, transaction, inboundTelemetryClient, inbound.batchSize(), metrics, inbound.maxMachines());
    }

    @Bean(destroyMethod = "stop")
    public InboxStore inboxStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundMqttClient inboundEventsClient,
                                 InboundProperties inbound, InboundMetrics metrics) {
        return new InboxStore(jdbc, transaction, inboundEventsClient, inbound.batchSize(), metrics);
    }

    @Bean
    public InboundRetention inboundRetention(InboundProperties inbound) {
        return new InboundRetention(inbound);
    }

    @Bean
    public MachineLiveness machineLiveness(ObjectMapper json, InboundProperties inbound, InboundMetrics metrics) {
        return new MachineLiveness(json, inbound.machineOfflineAfter(), inbound.statusTopic(), metrics);
    }
}
