package org.nemo.bridge.config;

import org.apache.camel.CamelContext;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * A bridge without routes does nothing and never becomes ready: such a start is refused once
 * the context is up (every route file loaded), naming where it looked.
 */
@Component
public class RoutesLoaded implements ApplicationListener<ApplicationStartedEvent> {

    private final Environment environment;

    /** The CamelContext is looked up when the event comes: a listener is made early, before the context may be. */
    public RoutesLoaded(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void onApplicationEvent(ApplicationStartedEvent event) {
        CamelContext camel = event.getApplicationContext().getBean(CamelContext.class);
        // a test may start Camel itself after the context (CamelSpringBootTest): then there is nothing to check yet
        if (camel.getStatus().isStarted() && camel.getRoutes().isEmpty()) {
            throw new StartRefused("no route loaded from camel.main.routes-include-pattern '"
                    + environment.getProperty("camel.main.routes-include-pattern") + "'; by default the jar's routes (classpath:"
                    + RouteFiles.IN_JAR + "*.yaml) and the files in bridge.routes.directory are loaded");
        }
    }
}
