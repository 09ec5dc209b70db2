package org.nemo.bridge.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nemo.bridge.config.BridgeProperties;
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
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nobody gets at the operational endpoints without the admin login; health and the status
 * page stay open; the broker password and the HMAC key never show in a log line or a response;
 * an address that guesses passwords is throttled, the others are not.
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

    @LocalServerPort
    int port;

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

    @Test
    void tenFailedLoginsFromOneAddressThrottleItsNextOnesWithoutSlowingAnotherAddress(CapturedOutput output) throws IOException {
        // real source addresses on the loopback network; X-Forwarded-For is not trusted by default
        String guesser = "127.0.0.3";
        for (int i = 1; i <= 10; i++) {
            assertThat(get(guesser, "/api/status", "admin", "guess-" + i).status()).as("failed login %d", i).isEqualTo(401);
        }
        // the eleventh is refused before its password is looked at, even the right one
        Answer throttled = get(guesser, "/api/status", "admin", "test-admin");
        assertThat(throttled.status()).isEqualTo(429);
        assertThat(Integer.parseInt(throttled.headers().get("Retry-After"))).isBetween(1, 60);
        assertThat(get(guesser, "/api/status", "admin", "guess-12").status()).isEqualTo(429);
        // the admin at another address logs in as ever, and pages without a login stay open to the guesser
        assertThat(get("127.0.0.2", "/api/status", "admin", "test-admin").status()).isEqualTo(200);
        assertThat(get(guesser, "/actuator/health", null, null).status()).isEqualTo(200);

        // one line for the address, however many attempts follow; and a counter to alert on
        assertThat(output.getAll().split("Admin logins from 127\\.0\\.0\\.3 throttled", -1)).hasSize(2);
        assertThat(output.getAll()).contains("Admin logins from 127.0.0.3 throttled: 10 failed within 60 s");
        assertThat(http.withBasicAuth("admin", "test-admin").getForObject("/actuator/prometheus", String.class))
                .containsPattern("nemo_http_login_throttled_total\\{[^}]*} 1\\.0");
    }

    @Test
    void aClientSprayingAddressesCannotGrowTheFailedLoginTable() {
        LoginThrottle throttle = new LoginThrottle(new BridgeProperties.Admin.LoginThrottle(10, Duration.ofMinutes(1), 1000),
                new SimpleMeterRegistry());
        for (int i = 0; i < 100_000; i++) {
            throttle.loginFailed("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
        }
        assertThat(throttle.addressesRemembered()).isLessThanOrEqualTo(1000);
    }

    private record Answer(int status, Map<String, String> headers) {
    }

    /** One GET from the given local address (HttpClient cannot choose it), with a Basic login when a user is given. */
    private Answer get(String fromAddress, String path, String user, String password) throws IOException {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port, InetAddress.getByName(fromAddress), 0)) {
            socket.setSoTimeout(20_000);
            String login = user == null ? ""
                    : "Authorization: Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\r\n";
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n" + login
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            int status = Integer.parseInt(in.readLine().split(" ")[1]);
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                headers.put(line.substring(0, line.indexOf(':')).trim(), line.substring(line.indexOf(':') + 1).trim());
            }
            return new Answer(status, headers);
        }
    }
}
