package org.nemo.bridge.config;

import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/** A bridge without routes does nothing and never becomes ready: such a start is refused, naming where it looked. */
@Component
public class RoutesLoaded implements CamelContextConfiguration {

    private final Environment environment;

    public RoutesLoaded(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void beforeApplicationStart(CamelContext camelContext) {
        // routes are loaded after this
    }

    @Override
    public void afterApplicationStart(CamelContext camelContext) {
        if (camelContext.getRoutes().isEmpty()) {
            throw new StartRefused("no route loaded from camel.main.routes-include-pattern '"
                    + environment.getProperty("camel.main.routes-include-pattern") + "': the jar's routes (classpath:"
                    + RouteFiles.IN_JAR + "*.yaml) and the files in bridge.routes.directory are loaded by default");
        }
    }
}
