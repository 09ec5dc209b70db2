package org.nemo.bridge.inbound;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.InboundProperties;
import org.nemo.bridge.mqtt.BrokerSettings;
import org.nemo.bridge.mqtt.BrokerSwitched;
import org.nemo.bridge.mqtt.BrokerTarget;
import org.nemo.bridge.mqtt.BrokerTls;
import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationListener;
import org.springframework.context.PayloadApplicationEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The beans the inbound routes name: the MQTT component of the two persistent sessions (its
 * broker from bridge.mqtt.* or the plugin's table, following a reload), the rules, the batch
 * step, the stores, liveness.
 */
@Configuration(proxyBeanMethods = false)
public class InboundConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(InboundConfiguration.class);

    /** The routes whose consumers are the inbound sessions. */
    static final List<String> SESSION_ROUTES = List.of("telemetry-ingest", "envelope-ingest");

    /** Without a broker to listen to (no enabled row in the plugin's table at start): nothing listens there. */
    static final String NO_BROKER = "tcp://127.0.0.1:1";

    /**
     * The component of routes/inbound.yaml: Camel's paho-mqtt5 with the additions
     * {@link InboundMqttComponent} explains. The broker, login and TLS are its shared
     * configuration, so that every inbound endpoint has them and a broker switch changes them.
     */
    @Bean("inbound-mqtt")
    public InboundMqttComponent inboundMqtt(InboundProperties inbound, BridgeProperties bridge, BrokerSettings settings) {
        InboundMqttComponent component = new InboundMqttComponent(maximumPacketSize(inbound.maxPayloadBytes()), inbound.sharedGroup());
        PahoMqtt5Configuration configuration = new PahoMqtt5Configuration();
        String url = bridge.mqtt().brokerUrl();
        BrokerTarget target = url != null && url.contains("://")
                ? new BrokerTarget(url, bridge.mqtt().username(), bridge.mqtt().password(), bridge.mqtt().keepAlive(), null, "inbound", "bridge.mqtt.*")
                : settings.current().orElse(null);
        if (target == null) {
            LOG.warn("MQTT inbound sessions wait for a broker: the plugin's table has no enabled row");
        }
        broker(configuration, bridge.mqtt(), target);
        // as the publishing connection's (MqttOptions): Paho doubles its pause up to twice this bound
        configuration.setMaxReconnectDelay((int) Math.max(1000, bridge.mqtt().maxReconnectDelay().toMillis() / 2));
        configuration.setConnectionTimeout((int) Math.max(1, bridge.mqtt().connectTimeout().toSeconds()));
        configuration.setReceiveMaximum(receiveMaximum(inbound));
        // the broker keeps the session (and queues our QoS 1 messages) this long while we are away
        configuration.setSessionExpiryInterval(inbound.sessionExpiry().toSeconds());
        component.setConfiguration(configuration);
        return component;
    }

    /** Where and as whom the inbound sessions connect. */
    static void broker(PahoMqtt5Configuration configuration, BridgeProperties.Mqtt mqtt, BrokerTarget target) {
        String url = target == null ? NO_BROKER : target.url();
        configuration.setBrokerUrl(url);
        configuration.setUserName(target == null ? null : target.username());
        configuration.setPassword(target == null ? null : target.password());
        if (target != null) {
            configuration.setKeepAliveInterval(target.keepAlive());
        }
        SocketFactory tls = url.startsWith("ssl://") ? BrokerTls.socketFactory(mqtt.tls()) : null;
        configuration.setSocketFactory(url.startsWith("ssl://") ? (tls != null ? tls : SSLSocketFactory.getDefault()) : null);
        configuration.setHttpsHostnameVerificationEnabled(mqtt.tls().verifyHostname());
    }

    /**
     * With config-source=database the inbound sessions follow the publishing connection to the
     * broker of a reload: their routes stop (the batch in hand is stored and acknowledged to the
     * old broker), take the new broker and start again; a start that fails is retried by the
     * supervising route controller. Only a bridge.mqtt.broker-url of their own keeps them where they are.
     */
    @Bean
    public ApplicationListener<PayloadApplicationEvent<BrokerSwitched>> inboundFollowsBroker(CamelContext camel, BridgeProperties bridge) {
        return ApplicationListener.forPayload((BrokerSwitched switched) -> {
            String url = bridge.mqtt().brokerUrl();
            if (url != null && url.contains("://")) {
                return;
            }
            for (String id : SESSION_ROUTES) {
                Route route = camel.getRoute(id);
                if (route == null || !(route.getEndpoint() instanceof PahoMqtt5Endpoint endpoint)) {
                    continue;
                }
                try {
                    camel.getRouteController().stopRoute(id);
                    broker(endpoint.getConfiguration(), bridge.mqtt(), switched.next());
                    if (switched.next() != null) {
                        camel.getRouteController().startRoute(id);
                    }
                } catch (Exception e) {
                    LOG.warn("Route {} did not follow the broker to {}: {}", id, switched.next(), LogText.of(String.valueOf(e.getMessage())));
                }
            }
            LOG.info("MQTT inbound sessions follow the broker to {}", switched.next() == null ? "none" : switched.next());
        });
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
    public InboundBatch inboundBatch(InboundProperties inbound) {
        return new InboundBatch(Math.min(inbound.batchSize(), receiveMaximum(inbound)));
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

    @Bean
    public TelemetryStore telemetryStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundProperties inbound, InboundMetrics metrics) {
        return new TelemetryStore(jdbc, transaction, metrics, inbound.maxMachines());
    }

    @Bean
    public InboxStore inboxStore(JdbcTemplate jdbc, TransactionTemplate transaction, InboundMetrics metrics) {
        return new InboxStore(jdbc, transaction, metrics);
    }

    @Bean
    public MachineLiveness machineLiveness(ObjectMapper json, InboundProperties inbound, InboundMetrics metrics) {
        return new MachineLiveness(json, inbound.machineOfflineAfter(), inbound.statusTopic(), metrics);
    }
}
