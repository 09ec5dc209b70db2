package org.nemo.bridge.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The training run of the JVM's class cache (docker/Dockerfile's AOT cache, the systemd unit's
 * class-data archive): with {@code bridge.training-run=true} the service starts all of it, with
 * no database or broker to reach (the web layer, Camel building and starting its routes, the
 * connections tried), then stops and exits 0, and the JVM writes the classes it loaded. Spring's
 * own {@code -Dspring.context.exit=onRefresh} stops before Tomcat, Camel and the routes start,
 * so their classes were loaded from the jars at every start (docs/configuration.md, "Start-up time").
 */
@Component
@ConditionalOnProperty(name = "bridge.training-run", havingValue = "true")
class TrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    @EventListener
    void started(ApplicationStartedEvent event) {
        LOG.info("Training run: the service started; stopping it so that the JVM writes its class cache");
        System.exit(SpringApplication.exit(event.getApplicationContext()));
    }
}
