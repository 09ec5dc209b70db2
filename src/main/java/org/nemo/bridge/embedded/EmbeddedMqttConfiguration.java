package org.nemo.bridge.embedded;

import java.io.IOException;

import org.nemo.bridge.config.BridgeProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** With no {@code bridge.mqtt.broker-url} (or {@code embedded}) the service brings its own broker. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "bridge.mqtt.broker-url", havingValue = "embedded", matchIfMissing = true)
public class EmbeddedMqttConfiguration {

    @Bean(destroyMethod = "close")
    public EmbeddedMqttBroker embeddedMqttBroker(BridgeProperties properties) throws IOException {
        return new EmbeddedMqttBroker(properties.embedded().mqttPort()).start();
    }
}
