package org.nemo.bridge.config;

import java.io.File;
import java.util.Arrays;
import java.util.Optional;

import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.apache.camel.util.AntPathMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The hot reload applies the start's rule to every file it is about to load: a route file
 * dropped or edited in the watched directory by someone other than the service's user or
 * root, or left writable by others, is not loaded ({@link RouteFileOwnership}), with one line
 * naming the file and why. The file name still has to match camel.main.routes-reload-pattern.
 * A deleted file passes: Camel removes its routes, and there is nothing of it to load.
 */
@Component
public class RouteReloadGuard implements CamelContextConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(RouteReloadGuard.class);

    private final BridgeProperties properties;

    public RouteReloadGuard(BridgeProperties properties) {
        this.properties = properties;
    }

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        RouteWatcherReloadStrategy reload = camel.hasService(RouteWatcherReloadStrategy.class);
        if (reload == null) {
            return;
        }
        String[] patterns = Optional.ofNullable(reload.getPattern()).orElse("*.yaml").split(",");
        boolean checkOwnership = properties.routes().checkOwnership();
        reload.setFileFilter(file -> matches(patterns, file) && (!checkOwnership || !file.exists() || owned(file)));
    }

    @Override
    public void afterApplicationStart(CamelContext camel) {
        // nothing after the start
    }

    private static boolean matches(String[] patterns, File file) {
        return Arrays.stream(patterns).anyMatch(p -> AntPathMatcher.INSTANCE.match(p.trim(), file.getName()));
    }

    private static boolean owned(File file) {
        Optional<String> why = RouteFileOwnership.refusal(file.toPath());
        why.ifPresent(w -> LOG.warn("Route file {} not reloaded: {}", file.getAbsolutePath(), w));
        return why.isEmpty();
    }
}
