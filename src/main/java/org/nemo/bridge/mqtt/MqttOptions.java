package org.nemo.bridge.mqtt;

import java.nio.charset.StandardCharsets;

import javax.net.SocketFactory;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.nemo.bridge.config.BridgeProperties;

/** What every MQTT connection of the service shares: login, TLS, keep-alive and reconnect bounds. */
public final class MqttOptions {

    private MqttOptions() {
    }

    /**
     * @param target where and as whom to connect
     * @param tls    the socket factory from bridge.mqtt.tls.*, or null for the JVM's default trust
     */
    public static MqttConnectionOptions common(BridgeProperties.Mqtt mqtt, BrokerTarget target, SocketFactory tls) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(true);
        options.setAutomaticReconnectDelay(1, (int) Math.max(1, mqtt.maxReconnectDelay().toSeconds()));
        // Paho 1.2.5 doubles its reconnect delay up to this one (default 128 s), not the one above
        options.setMaxReconnectDelay((int) Math.max(1000, mqtt.maxReconnectDelay().toMillis()));
        options.setKeepAliveInterval(target.keepAlive());
        options.setConnectionTimeout((int) Math.max(1, mqtt.connectTimeout().toSeconds()));
        if (target.username() != null && !target.username().isBlank()) {
            options.setUserName(target.username());
            if (target.password() != null) {
                options.setPassword(target.password().getBytes(StandardCharsets.UTF_8));
            }
        }
        if (target.url().startsWith("ssl://")) {
            if (tls != null) {
                options.setSocketFactory(tls);
            }
            options.setHttpsHostnameVerificationEnabled(mqtt.tls().verifyHostname());
        }
        return options;
    }
}
