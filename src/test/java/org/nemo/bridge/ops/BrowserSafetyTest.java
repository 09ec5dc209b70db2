package org.nemo.bridge.ops;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.DefaultBridgeTest;
import org.nemo.bridge.support.NemoLab;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A browser caches the admin's Basic login, so a page on another site must not be able to
 * use it: no state change from a cross-site form, no Jolokia answer readable by another
 * origin, no Jolokia proxy to a host of the caller's choosing. Requests as a browser sends them.
 */
class BrowserSafetyTest extends DefaultBridgeTest {

    private static final String ADMIN = "Basic " + Base64.getEncoder().encodeToString("admin:test-admin".getBytes(StandardCharsets.UTF_8));
    private static final String EVIL = "http://evil.example";

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aCrossSiteFormPostCannotRepublishStates() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        lab.tool("Cross-site target");
        int before = republishRows(lab);
        // what an auto-submitted <form method=post> on another site sends, with the cached login
        HttpResponse<String> response = send(HttpRequest.newBuilder(url("/api/admin/states/republish"))
                .header("Authorization", ADMIN)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", EVIL)
                .header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString("x=1")));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(republishRows(lab)).isEqualTo(before);
    }

    @Test
    void aFormPostWhoseBrowserHidesItsOriginIsRefusedToo() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        lab.tool("Originless target");
        int before = republishRows(lab);
        HttpResponse<String> response = send(HttpRequest.newBuilder(url("/api/admin/outbox/replay"))
                .header("Authorization", ADMIN)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("x=1")));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(send(HttpRequest.newBuilder(url("/api/admin/states/republish"))
                .header("Authorization", ADMIN)
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode()).isEqualTo(403);
        assertThat(republishRows(lab)).isEqualTo(before);
    }

    @Test
    void aSameOriginRequestWithTheScriptHeaderRepublishesStates() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        lab.tool("Same-origin target");
        int before = republishRows(lab);
        HttpResponse<String> response = send(HttpRequest.newBuilder(url("/api/admin/states/republish"))
                .header("Authorization", ADMIN)
                .header("X-Requested-By", "status-page")
                .header("Origin", "http://127.0.0.1:" + port)
                .header("Sec-Fetch-Site", "same-origin")
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new ObjectMapper().readTree(response.body()).path("queued").asInt()).isPositive();
        assertThat(republishRows(lab)).isGreaterThan(before);
    }

    @Test
    void jolokiaNeverHandsItsAnswerToAnotherOrigin() throws Exception {
        HttpResponse<String> read = send(HttpRequest.newBuilder(url("/actuator/jolokia/read/java.lang:type=Memory"))
                .header("Authorization", ADMIN)
                .header("Origin", EVIL));
        assertThat(read.headers().firstValue("Access-Control-Allow-Origin")).as("read").isEmpty();
        HttpResponse<String> preflight = send(HttpRequest.newBuilder(url("/actuator/jolokia"))
                .header("Origin", EVIL)
                .header("Access-Control-Request-Method", "POST")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).as("preflight").isEmpty();
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).as("preflight").isEmpty();
        // the same origin (Hawtio's own page) still reads
        HttpResponse<String> own = send(HttpRequest.newBuilder(url("/actuator/jolokia/read/java.lang:type=Memory"))
                .header("Authorization", ADMIN)
                .header("Origin", "http://127.0.0.1:" + port));
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).contains("HeapMemoryUsage");
    }

    @Test
    void noEndpointAnswersJsonpEvenWithTheAdminLogin() throws Exception {
        // what <script src="…?callback=steal"> on another site sends, with the cached login
        for (String path : new String[] {"/actuator/jolokia/read/java.lang:type=Runtime/SystemProperties?callback=steal",
                "/actuator/hawtio/jolokia/read/java.lang:type=Runtime/SystemProperties?callback=steal",
                "/actuator/jolokia/search/org.apache.camel:type=routes,*?callback=steal",
                "/api/status?callback=steal", "/actuator/health?callback=steal", "/?callback=steal"}) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(url(path)).header("Authorization", ADMIN));
            assertThat(response.statusCode()).as(path).isEqualTo(403);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(path).doesNotContain("javascript");
            assertThat(response.body()).as(path).doesNotContain("steal(").doesNotContain("java.version");
        }
        // the same read without a callback, from Hawtio's own page, is answered
        HttpResponse<String> own = send(HttpRequest.newBuilder(url("/actuator/hawtio/jolokia/read/java.lang:type=Runtime/VmName"))
                .header("Authorization", ADMIN)
                .header("Sec-Fetch-Site", "same-origin"));
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).contains("\"status\":200");
    }

    @Test
    void aCrossSiteRequestGetsNothingBehindTheLoginWhateverItsMethod() throws Exception {
        for (String path : new String[] {"/actuator/jolokia/read/java.lang:type=Memory", "/actuator/hawtio/jolokia/version",
                "/api/status", "/actuator/metrics", "/actuator/hawtio/", "/mqtt_bridge_status/"}) {
            HttpResponse<String> crossSite = send(HttpRequest.newBuilder(url(path))
                    .header("Authorization", ADMIN)
                    .header("Sec-Fetch-Site", "cross-site"));
            assertThat(crossSite.statusCode()).as("cross-site GET " + path).isEqualTo(403);
            assertThat(crossSite.body()).as(path).doesNotContain("HeapMemoryUsage").doesNotContain("nemo_outbox");
            HttpResponse<String> sameOrigin = send(HttpRequest.newBuilder(url(path))
                    .header("Authorization", ADMIN)
                    .header("Sec-Fetch-Site", "same-origin"));
            assertThat(sameOrigin.statusCode()).as("same-origin GET " + path).isEqualTo(200);
        }
        // a cross-site POST that even carries the script header (after a refused preflight a browser would not send it)
        HttpResponse<String> post = send(HttpRequest.newBuilder(url("/actuator/jolokia"))
                .header("Authorization", ADMIN)
                .header("X-Requested-By", "test")
                .header("Sec-Fetch-Site", "cross-site")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\"}")));
        assertThat(post.statusCode()).isEqualTo(403);
        // what other sites may show or link to stays open to them (health once it is up: the drains run a moment after the start)
        long deadline = System.currentTimeMillis() + 30_000;
        while (send(HttpRequest.newBuilder(url("/actuator/health"))).statusCode() != 200) {
            assertThat(System.currentTimeMillis()).as("health up within 30 s").isLessThan(deadline);
            Thread.sleep(200);
        }
        for (String path : new String[] {"/actuator/health", "/", "/status/status.js", "/api/board", "/display", "/display/1"}) {
            HttpResponse<String> open = send(HttpRequest.newBuilder(url(path)).header("Sec-Fetch-Site", "cross-site"));
            assertThat(open.statusCode()).as("cross-site GET " + path).isEqualTo(200);
        }
    }

    @Test
    void aJolokiaProxyRequestIsRefusedAndConnectsNowhere() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread listener = new Thread(() -> {
                while (true) {
                    try (Socket ignored = target.accept()) {
                        connections.incrementAndGet();
                    } catch (SocketException closed) {
                        return;
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "jmx-target");
            listener.setDaemon(true);
            listener.start();
            String proxy = """
                    {"type":"read","mbean":"java.lang:type=Memory",
                     "target":{"url":"service:jmx:rmi:///jndi/rmi://127.0.0.1:%d/jmxrmi"}}""".formatted(target.getLocalPort());
            HttpResponse<String> response = send(HttpRequest.newBuilder(url("/actuator/jolokia"))
                    .header("Authorization", ADMIN)
                    .header("X-Requested-By", "test")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(proxy)));
            JsonNode answer = new ObjectMapper().readTree(response.body());
            assertThat(answer.path("status").asInt()).as(response.body()).isNotEqualTo(200);
            assertThat(answer.has("value")).as(response.body()).isFalse();
            Thread.sleep(1000);
            assertThat(connections.get()).as("connections to the proxy target").isZero();
        }
    }

    @Test
    void everyPageTellsTheBrowserToSendNoReferrer() throws Exception {
        for (String path : new String[] {"/", "/status/status.js", "/display", "/display/1", "/api/board", "/api/display/tools",
                "/actuator/health"}) {
            HttpResponse<String> response = send(HttpRequest.newBuilder(url(path)));
            assertThat(response.headers().firstValue("Referrer-Policy")).as(path).hasValue("no-referrer");
        }
    }

    private static int republishRows(NemoLab lab) {
        return lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE event_type = 'tool_state_refresh'",
                Integer.class);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
