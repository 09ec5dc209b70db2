package org.nemo.bridge.display;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nemo.bridge.support.Browser;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * With {@code bridge.display.token} set, a display needs the token in its URL; and what the
 * settings put into a page arrives escaped. Plain HTTP, as a kiosk's browser asks.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DisplayTokenTest {

    private static final class Fixture {
        static final TestBroker BROKER = new HiveMqBroker();
        static final String DATABASE = TestDatabase.create("display_token");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, Fixture.DATABASE, Fixture.BROKER::url);
        registry.add("bridge.display.token", () -> "kiosk-42");
        registry.add("bridge.display.lab-name", () -> "Thin Films <B> & Co");
        registry.add("bridge.display.logo-url", () -> "http://nemo.lab/media/logo.png");
        registry.add("bridge.display.theme", () -> "light");
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void withoutTheTokenEveryDisplayPageAndTheFeedAreForbidden() throws Exception {
        for (String path : new String[] {"/display", "/display/1", "/display/1?token=wrong", "/api/display/feed",
                "/api/display/feed?tool=1", "/api/display/tools"}) {
            assertThat(get(path).statusCode()).as(path).isEqualTo(403);
        }
    }

    @Test
    void withTheTokenThePagesOpenAndTheirScriptAndStyleNeedNone() throws Exception {
        HttpResponse<String> board = get("/display?token=kiosk-42");
        assertThat(board.statusCode()).isEqualTo(200);
        assertThat(board.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(get("/display/7?token=kiosk-42").statusCode()).isEqualTo(200);
        assertThat(get("/display/assets/display.js").statusCode()).isEqualTo(200);
        assertThat(get("/display/assets/display.css").statusCode()).isEqualTo(200);
        assertThat(get("/api/display/tools?token=kiosk-42").statusCode()).isEqualTo(200);
    }

    @Test
    void settingsReachThePageEscapedAndThemeFollowsTheUrl() throws Exception {
        String page = get("/display/3?token=kiosk-42").body();
        assertThat(page).contains("<span class=\"lab\">Thin Films &lt;B&gt; &amp; Co</span>")
                .contains("src=\"http://nemo.lab/media/logo.png\"")
                .contains("data-theme=\"light\"")
                .contains("data-tool-id=\"3\"");
        assertThat(get("/display/3?token=kiosk-42&theme=dark").body()).contains("data-theme=\"dark\"");
        assertThat(get("/display/3?token=kiosk-42&theme=%22%3E%3Cscript%3E").body()).contains("data-theme=\"light\"")
                .doesNotContain("<script>");
    }

    @Test
    void theStatusPagesBoardNamesUsersOnlyToThoseWithTheToken() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        lab.enable(lab.tool("Electron Beam Lithography"), lab.user("Rosalind", "Franklin"));

        HttpResponse<String> without = get("/api/board");
        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(without.body()).doesNotContain("Rosalind");
        assertThat(get("/api/board?token=wrong").statusCode()).isEqualTo(403);

        HttpResponse<String> with = get("/api/board?token=kiosk-42");
        assertThat(with.statusCode()).isEqualTo(200);
        assertThat(with.body()).contains("Electron Beam Lithography").contains("Rosalind Franklin");
        // the admin's login opens it too
        HttpResponse<String> admin = http.send(HttpRequest.newBuilder(url("/api/board")).header("Authorization", "Basic "
                + java.util.Base64.getEncoder().encodeToString("admin:test-admin".getBytes())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(admin.statusCode()).isEqualTo(200);
    }

    @Test
    void theStatusPageOpenedWithTheTokenShowsTheBoard() {
        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Sputter Coater");
        lab.enable(tool, lab.user("Chien-Shiung", "Wu"));
        ChromeDriver browser = Browser.start(1100, 700);
        try {
            browser.get(url("/?token=kiosk-42").toString());
            new WebDriverWait(browser, Duration.ofSeconds(15), Duration.ofMillis(100)).until(d ->
                    d.findElements(By.cssSelector("tr[data-tool-id='" + tool + "'] .user")).stream()
                            .anyMatch(e -> e.getText().equals("Chien-Shiung Wu")));
        } finally {
            browser.quit();
        }
    }

    @Test
    @Timeout(30)
    void theFeedStartsWithASnapshotOfTheToolAndThenSendsHeartbeats() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Atomic Layer Deposition");
        lab.enable(tool, lab.user("Lise", "Meitner"));
        lab.tool("Another tool");

        HttpRequest request = HttpRequest.newBuilder(url("/api/display/feed?tool=" + tool + "&token=kiosk-42")).build();
        HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/event-stream"));
        try (Stream<String> lines = response.body()) {
            Iterator<String> events = lines.iterator();
            JsonNode snapshot = dataOf(events, "snapshot");
            assertThat(snapshot.path("current").asBoolean()).isTrue();
            assertThat(snapshot.path("tools")).hasSize(1);
            JsonNode state = snapshot.path("tools").get(0);
            assertThat(state.path("tool_id").asInt()).isEqualTo(tool);
            assertThat(state.path("tool_name").asText()).isEqualTo("Atomic Layer Deposition");
            assertThat(state.path("in_use").asBoolean()).isTrue();
            assertThat(state.path("user").asText()).isEqualTo("Lise Meitner");
            assertThat(state.path("operational").asBoolean()).isTrue();
            assertThat(state.path("since").asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\+00:00");
            assertThat(dataOf(events, "heartbeat").path("current").asBoolean()).isTrue();
        }
    }

    private static JsonNode dataOf(Iterator<String> lines, String event) throws IOException {
        boolean inEvent = false;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.equals("event:" + event)) {
                inEvent = true;
            } else if (inEvent && line.startsWith("data:")) {
                return new ObjectMapper().readTree(line.substring("data:".length()));
            }
        }
        throw new AssertionError("the stream ended before a " + event + " event");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
