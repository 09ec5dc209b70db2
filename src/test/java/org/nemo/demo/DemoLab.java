package org.nemo.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.nemo.bridge.config.RouteFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * Starts the demo's PostgreSQL (with the demo lab) and MQTT broker before the bridge reads its
 * settings, points the bridge at them, adds the simulator route, and stops both after the bridge.
 */
class DemoLab implements ApplicationListener<ApplicationEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(DemoLab.class);

    private EmbeddedPostgres postgres;
    private EmbeddedMqttBroker broker;

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            start(prepared.getEnvironment());
        } else if (event instanceof ApplicationPreparedEvent prepared && postgres != null) {
            // destroyed after every bean of the bridge, in reverse order: the broker, then the database
            DefaultListableBeanFactory beans = (DefaultListableBeanFactory) prepared.getApplicationContext().getBeanFactory();
            beans.registerDisposableBean("demoPostgres", postgres::close);
            beans.registerDisposableBean("demoBroker", broker::close);
        } else if (event instanceof ApplicationReadyEvent ready) {
            LOG.info("Demo lab running: watch it with  mosquitto_sub -h 127.0.0.1 -p {} -t '{}/#' -v", broker.port(),
                    ready.getApplicationContext().getEnvironment().getProperty("bridge.mqtt.topic-prefix", "nemo"));
        }
    }

    private void start(ConfigurableEnvironment environment) {
        try {
            postgres = EmbeddedPostgres.builder()
                    .setPort(environment.getProperty("bridge.embedded.postgres-port", Integer.class, 0))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ResourceDatabasePopulator lab = new ResourceDatabasePopulator(
                new ClassPathResource("demo/nemo-lab.sql"), new ClassPathResource("demo/nemo-lab-data.sql"));
        lab.setSeparator(ScriptUtils.EOF_STATEMENT_SEPARATOR);
        lab.execute(postgres.getPostgresDatabase());
        try {
            broker = new EmbeddedMqttBroker(environment.getProperty("bridge.embedded.mqtt-port", Integer.class, 1883)).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info("Embedded PostgreSQL on {} with a demo NEMO lab, embedded MQTT 5 broker on {}",
                postgres.getJdbcUrl("postgres", "postgres"), broker.url());
        Map<String, Object> demo = new LinkedHashMap<>();
        demo.put("spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"));
        demo.put("spring.datasource.username", "postgres");
        demo.put("bridge.mqtt.broker-url", broker.url());
        demo.put("bridge.mqtt.config-source", "properties");
        demo.put("camel.main.routes-include-pattern",
                RouteFiles.resolve(Path.of(environment.getProperty("bridge.routes.directory", "routes")),
                        environment.getProperty("bridge.routes.check-ownership", Boolean.class, true)).includePattern()
                        + ",classpath:demo/demo-simulator.yaml");
        environment.getPropertySources().addFirst(new MapPropertySource("demo-lab", demo));
    }
}
