package org.nemo.bridge.config;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * A production start needs the NEMO database and the broker: without either it
 * stops before anything starts, with one line naming the setting. The embedded database and
 * broker belong to the demo ({@code ./mvnw spring-boot:test-run}), never a silent fallback.
 */
public class RequiredSettings implements BeanFactoryPostProcessor, EnvironmentAware {

    static final String DEMO = "the embedded database and broker are the demo's only (./mvnw spring-boot:test-run)";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        String database = environment.getProperty("spring.datasource.url");
        if (database == null || database.isBlank() || "embedded".equalsIgnoreCase(database.trim())) {
            throw new StartRefused("spring.datasource.url (SPRING_DATASOURCE_URL) is not set: give the NEMO database, "
                    + "e.g. jdbc:postgresql://db.lab:5432/nemo; " + DEMO);
        }
        BridgeProperties.ConfigSource source = Binder.get(environment)
                .bind("bridge.mqtt.config-source", BridgeProperties.ConfigSource.class)
                .orElse(BridgeProperties.ConfigSource.PROPERTIES);
        String broker = environment.getProperty("bridge.mqtt.broker-url");
        if (source == BridgeProperties.ConfigSource.PROPERTIES
                && (broker == null || broker.isBlank() || "embedded".equalsIgnoreCase(broker.trim()))) {
            throw new StartRefused("bridge.mqtt.broker-url (BRIDGE_MQTT_BROKER_URL) is not set: give the broker, "
                    + "e.g. tcp://mqtt.lab:1883, or take it from the plugin's table with bridge.mqtt.config-source=database; " + DEMO);
        }
    }
}
