package org.nemo.bridge.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Settings derived from the ones people write, so they never have to keep two in step:
 * yes/no switches the YAML routes need ({@code autoStartup}) —
 * {@code bridge.plugin.drain-queue} from {@code bridge.plugin.queue} and
 * {@code bridge.mqtt.watch-database-config} from {@code bridge.mqtt.config-source} — and
 * which route files Camel loads ({@link RouteFiles}, from {@code bridge.routes.*}; the same
 * answer is the bean {@code routeFiles}, so the start's report names what was loaded).
 * Derived once every property source is in place, before any bean (or route) is made; they
 * come last, so a camel.main.* value set explicitly still wins.
 */
public class DerivedSettings implements BeanFactoryPostProcessor, EnvironmentAware {

    private static final Logger LOG = LoggerFactory.getLogger(DerivedSettings.class);

    private ConfigurableEnvironment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = (ConfigurableEnvironment) environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        Binder binder = Binder.get(environment);
        BridgeProperties.PluginQueue queue = binder.bind("bridge.plugin.queue", BridgeProperties.PluginQueue.class)
                .orElse(BridgeProperties.PluginQueue.AUTO);
        BridgeProperties.ConfigSource source = binder.bind("bridge.mqtt.config-source", BridgeProperties.ConfigSource.class)
                .orElse(BridgeProperties.ConfigSource.PROPERTIES);
        Path directory = Path.of(environment.getProperty("bridge.routes.directory", "routes"));
        boolean checkOwnership = binder.bind("bridge.routes.check-ownership", Boolean.class).orElse(true);
        RouteFiles routes = RouteFiles.resolve(directory, checkOwnership);
        routes.refused().forEach((file, why) -> LOG.warn("Route file {} not loaded: {}", file, why));
        Map<String, Object> derived = new LinkedHashMap<>();
        derived.put("bridge.plugin.drain-queue", Boolean.toString(queue != BridgeProperties.PluginQueue.OFF));
        derived.put("bridge.mqtt.watch-database-config", Boolean.toString(source == BridgeProperties.ConfigSource.DATABASE));
        derived.put("camel.main.routes-include-pattern", routes.includePattern());
        // the directory is watched by RouteFileReload (bridge.routes.reload), which checks who wrote a file first
        derived.put("camel.main.routes-reload-enabled", "false");
        environment.getPropertySources().addLast(new MapPropertySource("bridge-derived", derived));
        beanFactory.registerSingleton("routeFiles", routes);
    }
}
