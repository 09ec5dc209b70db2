package org.nemo.bridge.embedded;

import java.io.IOException;

import org.nemo.bridge.config.BridgeProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With no {@code bridge.mqtt.broker-url} (or {@code embedded}) the service brings its own
 * broker; never when the broker comes from the plugin's configuration table.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${bridge.mqtt.broker-url:embedded}' == 'embedded' and '${bridge.mqtt.config-source:properties}' == 'properties'")
public class EmbeddedMqttConfiguration {

    @Bean(destroyMethod = "close")
    public EmbeddedMqttBroker embeddedMqttBroker(BridgeProperties properties) throws IOException {
        return new EmbeddedMqttBroker(properties.embedded().mqttPort()).start();
    }
}
