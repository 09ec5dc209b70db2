package org.nemo.bridge.cluster;

import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.service.ServiceHelper;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.InstanceId;
import org.nemo.bridge.config.StartRefused;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Single active publisher: {@code bridge.cluster.service=postgres} (default) elects the
 * leader with a PostgreSQL advisory lock; {@code none} makes every instance lead (run one);
 * {@code external} uses whatever CamelClusterService bean the deployment adds (for example
 * a Kubernetes lease from camel-kubernetes), and refuses to start without one: an instance
 * that cannot tell whether it leads never decides that it does.
 */
@Configuration(proxyBeanMethods = false)
public class ClusterConfiguration {

    @Bean
    @ConditionalOnProperty(name = "bridge.cluster.service", havingValue = "postgres", matchIfMissing = true)
    public PostgresLeaderElection postgresLeaderElection(HikariDataSource dataSource, InstanceId instance,
                                                         BridgeProperties properties) {
        return new PostgresLeaderElection(dataSource.getJdbcUrl(), dataSource.getUsername(), dataSource.getPassword(),
                instance.id(), properties.cluster().checkInterval().toMillis());
    }

    @Bean
    public Leadership leadership(MeterRegistry registry, BridgeProperties properties) {
        return new Leadership(registry, properties.cluster().stepDownWait());
    }

    @Bean
    public CamelContextConfiguration clusterServiceStartup(ObjectProvider<CamelClusterService> services, Leadership leadership,
                                                            BridgeProperties properties) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                CamelClusterService service = switch (properties.cluster().service()) {
                    case NONE -> null;
                    case POSTGRES -> services.getObject();
                    case EXTERNAL -> services.getIfAvailable(() -> {
                        throw new StartRefused("bridge.cluster.service=external needs a CamelClusterService bean "
                                + "(e.g. camel-kubernetes' lease); none is defined. Use postgres (the default) or none (a single instance)");
                    });
                };
                try {
                    if (service != null) {
                        camelContext.addService(service, true, true);
                        // now rather than with the context (after the routes are built): a
                        // leader's broker connect (~0.3 s in Paho) then overlaps Camel's start
                        ServiceHelper.startService(service);
                    }
                    leadership.attach(camelContext, service);
                } catch (Exception e) {
                    throw new IllegalStateException("cluster service did not start: " + e.getMessage(), e);
                }
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                // nothing after start
            }
        };
    }
}
