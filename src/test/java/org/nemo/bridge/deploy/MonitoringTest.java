package org.nemo.bridge.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The compose stack's Prometheus and Grafana files: the alert rules pass promtool's checks
 * and its unit tests (each alert fires on the series that should raise it, and not on a
 * healthy bridge), Prometheus' configuration loads them, and the dashboard reads its
 * Prometheus from a variable and queries only metrics the service has.
 */
class MonitoringTest {

    private static final Path DOCKER = Path.of("docker");
    private static final Path ALERTS = DOCKER.resolve("prometheus/alerts.yml");
    private static final Path DASHBOARD = DOCKER.resolve("grafana/dashboards/nemo-mqtt-bridge.json");

    @Test
    void theAlertRulesPassPromtoolsCheck() {
        DeployTool check = DeployTool.run(DOCKER.resolve("prometheus"), List.of("promtool", "check", "rules", "alerts.yml"));
        assertThat(check.exit()).as(check.toString()).isZero();
    }

    @Test
    void everyAlertFiresInPromtoolsUnitTestsAndNoneOnAHealthyBridge() throws IOException {
        DeployTool test = DeployTool.run(DOCKER.resolve("prometheus"), List.of("promtool", "test", "rules", "alerts-test.yml"));
        assertThat(test.exit()).as(test.toString()).isZero();
        assertThat(test.output()).contains("SUCCESS");

        String tests = Files.readString(DOCKER.resolve("prometheus/alerts-test.yml"));
        for (String alert : alertNames()) {
            assertThat(tests).as(alert + " fires in a unit test").containsPattern("alertname: " + alert + "\\s+exp_alerts:\\s+- exp_labels");
            assertThat(tests).as(alert + " is quiet in the healthy test").contains("alertname: " + alert + ", exp_alerts: []");
        }
    }

    @Test
    void theAlertsCoverWhatOpsMustKnowAndReadOnlyRealMetrics() {
        assertThat(alertNames()).contains("NemoBridgeDown", "NemoOutboxLagging", "NemoOutboxDeadEvents", "NemoBrokerDisconnected",
                "NemoListenDisconnected", "NemoNoLeader", "NemoInboundRejections");
        Set<String> metrics = ServiceSettings.prometheusMetrics();
        for (Map<String, Object> rule : rules()) {
            String expr = (String) rule.get("expr");
            // Prometheus' own `up` for the scrape, or the service's metrics
            assertThat(ServiceSettings.metricsIn(expr)).as(rule.get("alert") + " reads").isSubsetOf(metrics)
                    .satisfiesAnyOf(read -> assertThat(read).isNotEmpty(), read -> assertThat(expr).startsWith("up{"));
            assertThat(rule.get("labels").toString()).as(rule.get("alert") + " has a severity").contains("severity=");
            assertThat(rule.get("annotations").toString()).as(rule.get("alert") + " points at its runbook")
                    .contains("docs/operate.md#" + ((String) rule.get("alert")).toLowerCase());
        }
    }

    @Test
    void everyAlertHasItsRunbookInOperateMd() throws IOException {
        String operate = Files.readString(Path.of("docs/operate.md"));
        for (String alert : alertNames()) {
            assertThat(operate).as("docs/operate.md explains " + alert).contains("### " + alert);
        }
    }

    @Test
    void prometheusLoadsTheRulesTheComposeStackMountsAndLogsInWithTheSecret(@TempDir Path dir) throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Object> prometheus = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("prometheus");
        @SuppressWarnings("unchecked")
        List<String> volumes = (List<String>) prometheus.get("volumes");
        String config = Files.readString(DOCKER.resolve("prometheus.yml"));
        // each file the configuration names is where compose mounts it: rewrite the container's
        // paths to the repository's files (and the secret to a file of the test's), then load it
        Files.writeString(dir.resolve("admin-password"), "test");
        for (String volume : volumes) {
            String[] parts = volume.split(":");
            config = config.replace(parts[1], DOCKER.resolve(parts[0]).toAbsolutePath().normalize().toString());
        }
        assertThat(prometheus.get("secrets").toString()).contains("admin-password");
        config = config.replace("/run/secrets/admin-password", dir.resolve("admin-password").toString());
        Files.writeString(dir.resolve("prometheus.yml"), config);
        assertThat(config).doesNotContain("/etc/prometheus", "/run/secrets");

        DeployTool check = DeployTool.run(dir, List.of("promtool", "check", "config", "prometheus.yml"));
        assertThat(check.exit()).as(check.toString()).isZero();
        assertThat(check.output()).contains("SUCCESS: " + alertNames().size() + " rules found");
    }

    @Test
    void everyPanelReadsThePrometheusOfTheDatasourceVariable() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        JsonNode variable = null;
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if ("datasource".equals(v.path("type").asText())) {
                variable = v;
            }
        }
        assertThat(variable).as("a templating variable of type datasource").isNotNull();
        assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        String ref = "${" + variable.path("name").asText() + "}";
        assertThat(dashboard.toString()).as("no fixed datasource uid").doesNotContain("\"uid\":\"prometheus\"");
        for (JsonNode panel : dashboard.path("panels")) {
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo(ref);
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo(ref);
            }
        }
    }

    @Test
    void everyQueryIsValidPromqlOnMetricsTheServiceHas(@TempDir Path dir) throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        Set<String> metrics = ServiceSettings.prometheusMetrics();
        List<Map<String, Object>> recordings = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            titles.add(panel.path("title").asText());
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                assertThat(ServiceSettings.metricsIn(expr)).as("panel '" + panel.path("title").asText() + "' queries")
                        .isNotEmpty().isSubsetOf(metrics);
                // promtool parses each query as a recording rule; a dashboard variable becomes a regex
                Map<String, Object> rule = new LinkedHashMap<>();
                rule.put("record", "dashboard:query" + recordings.size());
                rule.put("expr", expr.replace("$application", ".*"));
                recordings.add(rule);
            }
        }
        assertThat(titles).as("inbound and plugin-queue panels")
                .anyMatch(t -> t.startsWith("Inbound")).anyMatch(t -> t.startsWith("Machines"))
                .anyMatch(t -> t.startsWith("Plugin queue"));
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Files.writeString(dir.resolve("queries.yml"), new Yaml(options)
                .dump(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", recordings)))));
        DeployTool check = DeployTool.run(dir, List.of("promtool", "check", "rules", "queries.yml"));
        assertThat(check.exit()).as(check.toString()).isZero();
    }

    private static List<String> alertNames() {
        return rules().stream().map(rule -> (String) rule.get("alert")).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() {
        try {
            Map<String, Object> file = new Yaml().load(Files.readString(ALERTS));
            List<Map<String, Object>> rules = new ArrayList<>();
            for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
                rules.addAll((List<Map<String, Object>>) group.get("rules"));
            }
            return rules;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
