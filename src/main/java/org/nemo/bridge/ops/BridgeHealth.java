package org.nemo.bridge.ops;

import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.outbound.PgListenerState;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.nemo.bridge.cluster.Leadership;

/**
 * The bridge's parts in /actuator/health (database is Spring's own): the broker connection,
 * the LISTEN connection and leadership. A follower, or a bridge with no enabled broker
 * configuration, is healthy: it is doing what it should.
 */
@Configuration(proxyBeanMethods = false)
public class BridgeHealth {

    @Bean
    public HealthIndicator brokerHealthIndicator(BrokerConnection broker, Leadership leadership) {
        return () -> {
            if (!leadership.isLeader()) {
                return Health.up().withDetail("role", "standby: another instance publishes").build();
            }
            if (broker.isIdle()) {
                return Health.up().withDetail("role", "idle: no enabled MQTT configuration").build();
            }
            Health.Builder health = broker.isConnected() ? Health.up() : Health.down().withDetail("problem", String.valueOf(broker.problem()));
            return health.withDetail("url", broker.brokerUrl()).build();
        };
    }

    @Bean
    public HealthIndicator listenHealthIndicator(PgListenerState listener) {
        return () -> (listener.isListening() ? Health.up() : Health.down().withDetail("problem", String.valueOf(listener.problem())))
                .withDetail("channel", "nemo_mqtt_events")
                .withDetail("reconnects", listener.reconnects())
                .build();
    }

    @Bean
    public HealthIndicator leaderHealthIndicator(Leadership leadership) {
        return () -> Health.up().withDetail("leader", leadership.isLeader()).withDetail("clustered", leadership.isClustered()).build();
    }
}
