package org.nemo.bridge.ops;

import java.util.List;
import java.util.stream.Collectors;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.config.RouteFiles;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.nemo.bridge.cluster.Leadership;

/**
 * One block at start that says what this instance runs against: database, broker (no
 * secrets), routes loaded, leadership, the NEMO triggers, where to look.
 */
@Component
public class StartupReport {

    private static final Logger LOG = LoggerFactory.getLogger(StartupReport.class);

    private final HikariDataSource dataSource;
    private final BrokerConnection broker;
    private final Leadership leadership;
    private final CamelContext camel;
    private final BridgeProperties properties;
    private final BridgeStatus status;
    private final JdbcTemplate db;
    private final RouteFiles routeFiles;

    /** @param routeFiles the route files the start loaded (DerivedSettings), not looked up again */
    public StartupReport(HikariDataSource dataSource, BrokerConnection broker, Leadership leadership, CamelContext camel,
                         BridgeProperties properties, BridgeStatus status, JdbcTemplate db, RouteFiles routeFiles) {
        this.dataSource = dataSource;
        this.broker = broker;
        this.leadership = leadership;
        this.camel = camel;
        this.properties = properties;
        this.status = status;
        this.db = db;
        this.routeFiles = routeFiles;
    }

    @EventListener
    public void ready(ApplicationReadyEvent event) {
        List<String> routes = camel.getRoutes().stream().map(Route::getRouteId).sorted().collect(Collectors.toList());
        String port = event.getApplicationContext() instanceof WebServerApplicationContext web && web.getWebServer() != null
                ? Integer.toString(web.getWebServer().getPort()) : "none";
        String triggers = StatusController.triggersResult(db);
        LOG.info("""
                NEMO MQTT bridge {} ready
                  database  {} (user {})
                  broker    {} from {}; {}
                  routes    {} from {}: {}
                  leader    {} ({} cluster service)
                  NEMO      {}
                  http      port {}: status page /, health /actuator/health, metrics /actuator/prometheus, Hawtio /actuator/hawtio""",
                status.version(), withoutSecrets(dataSource.getJdbcUrl()), dataSource.getUsername(),
                properties.mqtt().configSource() == BridgeProperties.ConfigSource.DATABASE ? "the plugin's table" : broker.brokerUrl(),
                properties.mqtt().configSource(),
                leadership.isLeader() ? (broker.isConnected() ? "connected" : "connecting") : "connects when this instance leads",
                routes.size(), routeSources(), String.join(", ", routes),
                leadership.isLeader() ? "yes, this instance publishes" : "not yet, standing by", properties.cluster().service(),
                triggers == null ? "unknown" : triggers, port);
    }

    /** The jar's route files and those of the routes directory, which replace the jar's of the same name or add routes. */
    private String routeSources() {
        RouteFiles files = routeFiles;
        String local = files.fromDirectory().isEmpty() ? ""
                : " and " + files.fromDirectory().get(0).getParent() + "/ (" + files.fromDirectory().stream()
                        .map(f -> f.getFileName().toString()).collect(Collectors.joining(", ")) + ")";
        String refused = files.refused().isEmpty() ? ""
                : "; refused (see the warnings above): " + files.refused().keySet().stream()
                        .map(f -> f.getFileName().toString()).collect(Collectors.joining(", "));
        return files.fromJarCount() + " files of the jar" + local + refused;
    }

    /** A JDBC URL may carry a password as a parameter; it is never logged. */
    static String withoutSecrets(String jdbcUrl) {
        return jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password|sslpassword)=[^&;]*", "$1=****");
    }
}
