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
        // Paho 1.2.5 ignores the delays above: it waits 1 s, then doubles its pause while the pause
        // is below this bound (so it reaches up to twice the bound: 8 s for 5 s), and shares that
        // pause among all its clients in the JVM. Half of ours keeps every pause within ours (1 s at least).
        options.setMaxReconnectDelay((int) Math.max(1000, mqtt.maxReconnectDelay().toMillis() / 2));
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
