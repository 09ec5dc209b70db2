package org.nemo.bridge.config;

import java.util.Map;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Yes/no switches the YAML routes need ({@code autoStartup}), derived from the settings
 * people write, so they never have to keep two settings in step:
 * {@code bridge.plugin.drain-queue} from {@code bridge.plugin.queue} and
 * {@code bridge.mqtt.watch-database-config} from {@code bridge.mqtt.config-source}.
 * Derived once every property source is in place, before any bean (or route) is made.
 */
public class DerivedSettings implements BeanFactoryPostProcessor, EnvironmentAware {

    private ConfigurableEnvironment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = (ConfigurableEnvironment) environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        String queue = environment.getProperty("bridge.plugin.queue", "auto").trim().toLowerCase();
        String source = environment.getProperty("bridge.mqtt.config-source", "properties").trim().toLowerCase();
        environment.getPropertySources().addLast(new MapPropertySource("bridge-derived", Map.of(
                "bridge.plugin.drain-queue", Boolean.toString(!"off".equals(queue)),
                "bridge.mqtt.watch-database-config", Boolean.toString("database".equals(source)))));
    }
}
