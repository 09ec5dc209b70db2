package org.nemo.bridge.ops;

import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nobody gets at the operational endpoints without the admin login; health and the status
 * page stay open; the broker password and the HMAC key never show in a log line or a response.
 */
@ExtendWith(OutputCaptureExtension.class)
@AutoConfigureObservability
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "logging.level.org.nemo=DEBUG",
        "logging.level.org.apache.camel=DEBUG"})
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SecurityTest {

    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("security");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        // here, not in @SpringBootTest(properties): the test framework itself logs those
        registry.add("bridge.mqtt.username", () -> "bridge-user");
        registry.add("bridge.mqtt.password", () -> "Br0ker-Secret-9913");
        registry.add("bridge.mqtt.hmac-key", () -> "Hmac-Secret-4471");
    }

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    @Autowired
    TestRestTemplate http;

    @Autowired
    DataSource dataSource;

    @ParameterizedTest
    @ValueSource(strings = {"/api/status", "/mqtt_bridge_status/", "/actuator/prometheus", "/actuator/metrics"})
    void operationalEndpointsNeedTheAdminLogin(String path) {
        assertThat(http.getForEntity(path, String.class).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(http.withBasicAuth("admin", "wrong").getForEntity(path, String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(http.withBasicAuth("admin", "test-admin").getForEntity(path, String.class).getStatusCode())
                .isEqualTo(HttpStatus.OK);
    }

    @Test
    void healthAnswersWithoutLoginAndWithoutDetails() {
        ResponseEntity<String> health = http.getForEntity("/actuator/health", String.class);
        assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(health.getBody()).contains("\"status\"").doesNotContain("components");
        assertThat(http.getForEntity("/actuator/health/liveness", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void secretsNeverAppearInLogsOrResponses(CapturedOutput output) {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            int tool = lab.tool("Secret-free tool");
            lab.enable(tool, lab.user("Alan", "Turing"));
            // a signed event went out, so the key was used
            assertThat(display.awaitOne("nemo/tools/" + tool + "/enabled", Duration.ofSeconds(15)).json().has("hmac")).isTrue();
        }
        String status = http.withBasicAuth("admin", "test-admin").getForObject("/api/status", String.class);
        String pluginStatus = http.withBasicAuth("admin", "test-admin").getForObject("/mqtt_bridge_status/", String.class);
        for (String secret : new String[] {"Br0ker-Secret-9913", "Hmac-Secret-4471"}) {
            assertThat(status).doesNotContain(secret);
            assertThat(pluginStatus).doesNotContain(secret);
            assertThat(output.getAll()).doesNotContain(secret);
        }
        assertThat(status).contains("\"password_set\":true").contains("\"hmac\":true");
    }
}
