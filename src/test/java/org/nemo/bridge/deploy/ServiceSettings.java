package org.nemo.bridge.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.yaml.snakeyaml.Yaml;

/**
 * What the deployment files may refer to, read from the service itself: its settings
 * (application.yaml), its health groups, and the metrics its code registers.
 */
final class ServiceSettings {

    private static final Pattern METER = Pattern.compile(
            "(Gauge|Counter|Timer)\\.builder\\(\"([a-z][a-z0-9._]*)\"([^;]*);", Pattern.DOTALL);
    private static final Pattern BASE_UNIT = Pattern.compile("\\.baseUnit\\(\"([a-z]+)\"\\)");

    /**
     * Camel's route metrics (camel-micrometer's route policy, as the bridge configures it):
     * not in our code, so named here; OperabilityTest sees them in a live scrape.
     */
    static final Set<String> CAMEL_METRICS = Set.of("camel_exchanges_total", "camel_exchanges_failed_total",
            "camel_exchanges_succeeded_total", "camel_exchanges_failures_handled_total",
            "camel_exchanges_external_redeliveries_total", "camel_route_policy_seconds_count",
            "camel_route_policy_seconds_sum", "camel_route_policy_seconds_max", "camel_routes_running_routes");

    private ServiceSettings() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> applicationYaml() {
        try {
            return new Yaml().load(Files.readString(Path.of("application.yaml")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every setting of application.yaml in the environment-variable forms Spring binds:
     * bridge.inbound.shared-group as BRIDGE_INBOUND_SHAREDGROUP or, its legacy form,
     * BRIDGE_INBOUND_SHARED_GROUP.
     */
    static Set<String> environmentVariables() {
        Set<String> names = new TreeSet<>();
        flatten("", applicationYaml(), names);
        // settings without a default are named in the comments (bridge.admin.password has no default: ...)
        try {
            Matcher named = Pattern.compile("\\b(bridge\\.[a-z][a-z.-]*[a-z])\\b").matcher(Files.readString(Path.of("application.yaml")));
            while (named.find()) {
                names.add(named.group(1).replace("-", "").replace('.', '_').toUpperCase());
                names.add(named.group(1).replace('-', '_').replace('.', '_').toUpperCase());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> map, Set<String> names) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            names.add(key.replace("-", "").replace('.', '_').toUpperCase());
            names.add(key.replace('-', '_').replace('.', '_').toUpperCase());
            if (e.getValue() instanceof Map<?, ?> child) {
                flatten(key, (Map<String, Object>) child, names);
            }
        }
    }

    /** The health groups' paths (/actuator/health/liveness, ...), from management.endpoint.health.group. */
    @SuppressWarnings("unchecked")
    static Set<String> healthGroupPaths() {
        Map<String, Object> health = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) applicationYaml()
                .get("management")).get("endpoint")).get("health");
        Set<String> paths = new TreeSet<>();
        ((Map<String, Object>) health.get("group")).keySet().forEach(group -> paths.add("/actuator/health/" + group));
        return paths;
    }

    /** The Prometheus names of every meter the code registers, with the suffixes Prometheus adds. */
    static Set<String> prometheusMetrics() {
        Set<String> names = new TreeSet<>(CAMEL_METRICS);
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = METER.matcher(Files.readString(source));
                while (m.find()) {
                    String name = m.group(2).replace('.', '_');
                    switch (m.group(1)) {
                        case "Counter" -> names.add(name + "_total");
                        case "Timer" -> Stream.of("_bucket", "_count", "_sum", "_max").forEach(s -> names.add(name + "_seconds" + s));
                        default -> {
                            Matcher unit = BASE_UNIT.matcher(m.group(3));
                            names.add(unit.find() ? name + "_" + unit.group(1) : name);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    /** The metric names a PromQL expression reads (ours and Camel's). */
    static Set<String> metricsIn(String promql) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:nemo|camel)_[a-z0-9_]+)").matcher(promql);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
