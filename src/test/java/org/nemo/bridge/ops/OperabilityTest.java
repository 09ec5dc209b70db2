package org.nemo.bridge.ops;

import java.time.Duration;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ops see: our metrics by name in Prometheus, health that follows the broker, Hawtio
 * and a read-only Jolokia behind the login that find the Camel routes, and the open status
 * page with its board.
 */
@ExtendWith(OutputCaptureExtension.class)
@AutoConfigureObservability
@DisableJmx(false)
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class OperabilityTest {

    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("operability");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.mqtt.max-reconnect-delay", () -> "1s");
        registry.add("bridge.mqtt.connect-timeout", () -> "3s");
        registry.add("bridge.ops.census-interval", () -> "500ms");
    }

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    @Autowired
    TestRestTemplate http;

    @Autowired
    DataSource dataSource;

    private TestRestTemplate admin() {
        return http.withBasicAuth("admin", "test-admin");
    }

    @Test
    void ourMetricsAreInPrometheusByName() throws InterruptedException {
        NemoLab lab = new NemoLab(dataSource);
        long id = lab.enqueue("metrics_check", "{}", null, null);
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"published".equals(lab.status(id))) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(100);
        }
        String prometheus = admin().getForObject("/actuator/prometheus", String.class);
        for (String name : new String[] {"nemo_outbox_pending", "nemo_outbox_lag_seconds", "nemo_outbox_dead",
                "nemo_outbox_published_total{", "nemo_publish_latency_seconds_bucket", "nemo_mqtt_connected",
                "nemo_pg_listen_connected", "nemo_bridge_leader", "camel_exchanges_total"}) {
            assertThat(prometheus).as(name).contains(name);
        }
        // the row just published counts under its source; the plugin queue's rows count apart
        assertThat(prometheus).containsPattern("nemo_outbox_published_total\\{application=\"nemo-mqtt-bridge\",outcome=\"published\",source=\"outbox\"} [1-9]")
                .containsPattern("nemo_mqtt_connected\\{[^}]*} 1");
    }

    @Test
    void everyMetricTheGrafanaDashboardQueriesExists() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        long id = lab.enqueue("dashboard_check", "{}", null, null);
        long deadline = System.currentTimeMillis() + 10_000;
        while (!"published".equals(lab.status(id))) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(100);
        }
        JsonNode dashboard = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(java.nio.file.Path.of("docker/grafana/dashboards/nemo-mqtt-bridge.json").toFile());
        String prometheus = admin().getForObject("/actuator/prometheus", String.class);
        java.util.regex.Pattern metric = java.util.regex.Pattern.compile("\\b((?:nemo|camel)_[a-z_]+)");
        int checked = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                java.util.regex.Matcher m = metric.matcher(target.path("expr").asText());
                while (m.find()) {
                    assertThat(prometheus).as("panel '" + panel.path("title").asText() + "' queries " + m.group(1))
                            .containsPattern("(?m)^" + m.group(1) + "[{ ]");
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(10);
        assertThat(prometheus).containsPattern("camel_exchanges_total\\{[^}]*routeId=\"outbox-drain\"");
    }

    @Test
    void healthTurnsDownWhenTheBrokerStopsAndUpWhenItIsBack() throws InterruptedException {
        assertThat(awaitHealth("UP").path("components").path("broker").path("status").asText()).isEqualTo("UP");
        BROKER.stop();
        try {
            JsonNode down = awaitHealth("DOWN");
            assertThat(down.path("components").path("broker").path("status").asText()).isEqualTo("DOWN");
            assertThat(down.path("components").path("db").path("status").asText()).isEqualTo("UP");
            assertThat(http.getForEntity("/actuator/health/liveness", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
            assertThat(http.getForEntity("/actuator/health/readiness", String.class).getStatusCode())
                    .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        } finally {
            BROKER.start();
        }
        assertThat(awaitHealth("UP").path("components").path("listen").path("status").asText()).isEqualTo("UP");
    }

    @Test
    void hawtioAndAReadOnlyJolokiaFindTheCamelRoutesBehindTheLogin() {
        assertThat(http.getForEntity("/actuator/hawtio/", String.class).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(http.getForEntity("/actuator/jolokia/version", String.class).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        ResponseEntity<String> hawtio = admin().getForEntity("/actuator/hawtio/", String.class);
        assertThat(hawtio.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(hawtio.getBody()).containsIgnoringCase("hawtio");

        JsonNode routes = admin().getForObject("/actuator/jolokia/search/org.apache.camel:type=routes,*", JsonNode.class);
        assertThat(routes.path("status").asInt()).isEqualTo(200);
        assertThat(routes.path("value").toString()).contains("outbox-drain").contains("outbox-doorbell");

        JsonNode stop = admin().getForObject(
                "/actuator/jolokia/exec/org.apache.camel:context=nemo-mqtt-bridge,type=routes,name=\"outbox-poll\"/stop", JsonNode.class);
        assertThat(stop.path("status").asInt()).isEqualTo(403);
    }

    @Test
    void stoppingARouteOverHttpIsRefusedCleanlyWithOneLogLine(CapturedOutput output) {
        HttpHeaders script = new HttpHeaders();
        script.set("X-Requested-By", "cli");
        script.setContentType(MediaType.APPLICATION_JSON);

        int before = output.getAll().length();
        ResponseEntity<String> stop = admin().postForEntity("/actuator/camelroutes/outbox-drain/stop", new HttpEntity<>("{}", script),
                String.class);
        assertThat(stop.getStatusCode()).isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
        String log = output.getAll().substring(before);
        assertThat(log.lines().filter(l -> l.contains("WARN") || l.contains("ERROR"))).as(log).hasSize(1)
                .allMatch(l -> l.contains("Request method 'POST' is not supported"));
        assertThat(log).doesNotContain("\tat ").doesNotContain("Read only").doesNotContain("ERROR");
        assertThat(admin().getForObject("/actuator/camelroutes/outbox-drain/info", JsonNode.class).path("status").asText())
                .isEqualTo("Started");

        // Jolokia's refusal: its JSON 403, and one line saying what was refused
        before = output.getAll().length();
        JsonNode exec = admin().getForObject(
                "/actuator/jolokia/exec/org.apache.camel:context=nemo-mqtt-bridge,type=routes,name=\"outbox-drain\"/stop", JsonNode.class);
        assertThat(exec.path("status").asInt()).isEqualTo(403);
        assertThat(exec.has("stacktrace")).isFalse();
        log = output.getAll().substring(before);
        assertThat(log.lines().filter(l -> l.contains("WARN") || l.contains("ERROR"))).as(log).hasSize(1)
                .allMatch(l -> l.contains("Jolokia refused operation stop of org.apache.camel:") && l.contains("jolokia-readonly.xml"));
        assertThat(log).doesNotContain("\tat ");
        assertThat(admin().getForObject("/actuator/camelroutes/outbox-drain/info", JsonNode.class).path("status").asText())
                .isEqualTo("Started");
    }

    @Test
    void theStatusPageAndItsBoardAreOpenAndShowTheTools() {
        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Board tool");
        lab.enable(tool, lab.user("Dorothy", "Hodgkin"));
        ResponseEntity<String> page = http.getForEntity("/", String.class);
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(page.getBody()).contains("Lab tools").contains("/status/status.js");
        JsonNode board = http.getForObject("/api/board", JsonNode.class);
        JsonNode row = null;
        for (JsonNode t : board.path("tools")) {
            if (t.path("tool_id").asInt() == tool) {
                row = t;
            }
        }
        assertThat(row).isNotNull();
        assertThat(row.path("in_use").asBoolean()).isTrue();
        assertThat(row.path("user").asText()).isEqualTo("Dorothy Hodgkin");
        assertThat(board.path("bridge").path("status").asText()).isIn("running", "degraded");
        assertThat(board.toString()).doesNotContain(BROKER.url());
    }

    private JsonNode awaitHealth(String status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + Duration.ofSeconds(20).toMillis();
        while (true) {
            JsonNode health = admin().getForObject("/actuator/health", JsonNode.class);
            if (status.equals(health.path("status").asText())) {
                return health;
            }
            assertThat(System.currentTimeMillis()).as("health " + status + ", is " + health).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
