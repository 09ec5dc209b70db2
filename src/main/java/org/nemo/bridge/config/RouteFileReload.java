package org.nemo.bridge.config;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;
import java.util.stream.Collectors;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.apache.camel.util.AntPathMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Camel's route reload as an operator wants it: a file that someone other than the service's
 * user or root could have written is not loaded ({@link RouteFileOwnership}), and a broken edit
 * is one WARN line naming the file, the line and the reason (Camel logs the whole stack
 * trace), while the running routes stay.
 */
public class RouteFileReload extends RouteWatcherReloadStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(RouteFileReload.class);

    RouteFileReload(Path directory, String pattern, boolean removeAllRoutes, boolean checkOwnership) {
        super(directory.toAbsolutePath().normalize().toString(), false);
        setPattern(pattern);
        setRemoveAllRoutes(removeAllRoutes);
        String[] patterns = pattern.split(",");
        // a deleted file passes: Camel removes its routes, and there is nothing of it to load; an empty
        // one is an editor between truncating and writing (Camel would refuse it): its next write counts
        setFileFilter(file -> matches(patterns, file) && (!file.exists() || file.length() > 0 && (!checkOwnership || owned(file))));
    }

    /**
     * Watches {@code bridge.routes.directory} (when it exists and {@code bridge.routes.reload}),
     * in place of the reload camel.main.routes-reload-enabled would set up ({@link DerivedSettings}
     * leaves that off), with Camel's pattern and remove-all settings.
     */
    @Component
    static class Installer implements CamelContextConfiguration {

        private final BridgeProperties properties;
        private final Environment environment;

        Installer(BridgeProperties properties, Environment environment) {
            this.properties = properties;
            this.environment = environment;
        }

        @Override
        public void beforeApplicationStart(CamelContext camel) {
            Path directory = Path.of(properties.routes().directory());
            if (properties.routes().reload() && Files.isDirectory(directory) && camel.hasService(RouteWatcherReloadStrategy.class) == null) {
                RouteFileReload reload = new RouteFileReload(directory, environment.getProperty("camel.main.routes-reload-pattern", "*.yaml"),
                        environment.getProperty("camel.main.routes-reload-remove-all-routes", Boolean.class, true),
                        properties.routes().checkOwnership());
                try {
                    camel.addService(reload);
                } catch (Exception e) {
                    throw new IllegalStateException("route reload not started: " + e.getMessage(), e);
                }
            }
        }

        @Override
        public void afterApplicationStart(CamelContext camel) {
            // nothing after the start
        }
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        try {
            super.onRouteReload(resources, removeEverything);
        } catch (RuntimeException e) {
            setLastError(e);
            String files = resources == null ? "" : resources.stream().map(Resource::getLocation).collect(Collectors.joining(", "));
            LOG.warn("Route file {} refused, the running routes stay: {}", files.replaceFirst("^file:", ""), reason(e));
        }
    }

    /** Where and what: YAML's line and problem when the parser or Camel's YAML DSL knows them, else the deepest message. */
    static String reason(Throwable e) {
        Throwable deepest = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYamlEngineException yaml) {
                // the parser says where it was (context) and where it failed (problem); Camel's YAML DSL only the latter
                String problem = yaml.getProblem() == null ? "" : yaml.getProblem();
                if (yaml.getContext() != null && yaml.getContextMark().isPresent()) {
                    return oneLine(at(yaml.getContextMark().get()) + ": " + yaml.getContext() + ", " + problem
                            + yaml.getProblemMark().map(m -> " (" + at(m) + ")").orElse(""));
                }
                return oneLine(yaml.getProblemMark().map(m -> at(m) + ": ").orElse("") + problem);
            }
            deepest = t;
        }
        return oneLine(deepest.getMessage() == null ? deepest.getClass().getSimpleName() : deepest.getMessage());
    }

    private static String at(Mark mark) {
        return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s+", " ").trim();
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
