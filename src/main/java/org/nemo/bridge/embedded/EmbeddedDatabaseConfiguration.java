package org.nemo.bridge.embedded;

import java.io.IOException;
import java.util.Map;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.nemo.bridge.config.BridgeProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

/**
 * Zero-setup first run: with no {@code spring.datasource.url} (or the value {@code embedded})
 * the service starts its own PostgreSQL holding a small NEMO-shaped demo lab. Given a real
 * URL this configuration is skipped entirely and nothing embedded starts.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "spring.datasource.url", havingValue = "embedded", matchIfMissing = true)
public class EmbeddedDatabaseConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabaseConfiguration.class);

    @Bean(destroyMethod = "close")
    public EmbeddedPostgres embeddedPostgres(BridgeProperties properties, ConfigurableEnvironment environment)
            throws IOException {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setPort(properties.embedded().postgresPort())
                .start();
        DataSource admin = postgres.getPostgresDatabase();
        ResourceDatabasePopulator demoLab = new ResourceDatabasePopulator(
                new ClassPathResource("demo/nemo-lab.sql"), new ClassPathResource("demo/nemo-lab-data.sql"));
        demoLab.setSeparator(org.springframework.jdbc.datasource.init.ScriptUtils.EOF_STATEMENT_SEPARATOR);
        demoLab.execute(admin);
        // the demo lab's simulator route starts only here, never against a real NEMO database
        environment.getPropertySources().addFirst(new MapPropertySource("embedded-demo", Map.of("bridge.demo.enabled", "true")));
        LOG.info("Embedded PostgreSQL started on {} with a demo NEMO lab (set SPRING_DATASOURCE_URL to use your own)",
                postgres.getJdbcUrl("postgres", "postgres"));
        return postgres;
    }

    /** Says where to watch the demo once everything runs. */
    @Bean
    public CamelContextConfiguration demoHint(ObjectProvider<EmbeddedMqttBroker> broker, BridgeProperties properties) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                // nothing before start
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                EmbeddedMqttBroker embedded = broker.getIfAvailable();
                String hostPort = embedded != null ? "-h 127.0.0.1 -p " + embedded.port() : "<your broker>";
                LOG.info("Demo lab running: watch it with  mosquitto_sub {} -t '{}/#' -v", hostPort,
                        properties.mqtt().topicPrefix());
            }
        };
    }

    @Bean
    public HikariDataSource dataSource(EmbeddedPostgres postgres) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        dataSource.setUsername("postgres");
        dataSource.setPoolName("bridge");
        return dataSource;
    }
}
