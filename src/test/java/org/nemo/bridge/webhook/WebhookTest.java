package org.nemo.bridge.webhook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Publisher;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.nemo.bridge.support.WebhookServer;
import org.nemo.bridge.support.WebhookServer.Post;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * routes/webhook.yaml switched on as the README says, against a real HTTP server: a tool event
 * the bridge publishes arrives as a JSON POST with a line a person reads; a webhook that fails
 * a few times gets the event on a retry; one that keeps failing gets the event kept in the
 * dead directory with one WARN line.
 */
@ExtendWith(OutputCaptureExtension.class)
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class WebhookTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MosquittoBroker BROKER = new MosquittoBroker();
    private static final String DATABASE = TestDatabase.create("webhook");
    private static final WebhookServer WEBHOOK = new WebhookServer();
    private static final Path DEAD = directory("webhook-dead");
    // the example copied beside the jar, as an integration engineer starts editing it
    private static final Path ROUTES = directory("routes");

    private static Path directory(String name) {
        try {
            Path dir = Files.createTempDirectory(name);
            if (name.equals("routes")) {
                Files.copy(Path.of("routes/webhook.yaml"), dir.resolve("webhook.yaml"));
            }
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.nemo.triggers", () -> "true");
        registry.add("bridge.webhook.enabled", () -> "true");
        registry.add("bridge.webhook.url", WEBHOOK::url);
        registry.add("bridge.webhook.authorization", () -> "Bearer lab-token");
        registry.add("bridge.webhook.retry-delay", () -> "100");
        registry.add("bridge.webhook.retry-max-delay", () -> "400");
        registry.add("bridge.webhook.dead-directory", DEAD::toString);
        registry.add("bridge.routes.directory", ROUTES::toString);
    }

    @AfterAll
    static void stop() {
        WEBHOOK.close();
        BROKER.close();
    }

    @AfterEach
    void webhookWorksAgain() {
        WEBHOOK.answerAlways(200);
    }

    @Autowired
    DataSource dataSource;

    private static Predicate<Post> text(String text) {
        return post -> text.equals(textOf(post));
    }

    private static String textOf(Post post) {
        try {
            return JSON.readTree(post.body()).path("text").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    @Test
    void aToolEventArrivesAsAJsonPostWithALineToRead() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        int user = lab.user("Ada", "Lovelace");
        int tool = lab.tool("Webhook \"Etcher\"");
        lab.enable(tool, user);

        String line = "Webhook \"Etcher\": in use by Ada Lovelace (" + lab.username(user) + ")";
        List<Post> posts = WEBHOOK.await(text(line), 1, ARRIVAL);
        assertThat(posts).hasSize(1);
        Post post = posts.get(0);
        assertThat(post.method()).isEqualTo("POST");
        assertThat(post.path()).isEqualTo("/hooks/lab?sp=%2Ftriggers%2Frun&sig=abc");
        assertThat(post.contentType()).startsWith("application/json");
        assertThat(post.authorization()).isEqualTo("Bearer lab-token");
        assertThat(JSON.readTree(post.body()).size()).as(post.body()).isEqualTo(1);

        lab.setOperational(tool, false);
        assertThat(WEBHOOK.await(text("Webhook \"Etcher\": down"), 1, ARRIVAL)).hasSize(1);
    }

    @Test
    void aSignedEventIsPostedFromInsideItsEnvelope() throws Exception {
        String inner = "{\"event\":\"tool_enabled\",\"tool_id\":9001,\"tool_name\":\"Sealed Furnace\",\"user_name\":\"Grace Hopper (grace)\"}";
        try (Publisher publisher = new Publisher(BROKER.url())) {
            publisher.publish("nemo/tools/9001/enabled", JSON.writeValueAsString(
                    java.util.Map.of("payload", inner, "hmac", "00", "algo", "sha256")));
            publisher.flush();
        }
        assertThat(WEBHOOK.await(text("Sealed Furnace: in use by Grace Hopper (grace)"), 1, ARRIVAL)).hasSize(1);
    }

    @Test
    void aWebhookThatFailsTwiceGetsTheEventOnTheThirdAttempt() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Flaky Sputter");
        WEBHOOK.answerNext(500, 503);
        lab.setOperational(tool, false);

        List<Post> attempts = WEBHOOK.await(text("Flaky Sputter: down"), 3, ARRIVAL);
        assertThat(attempts).hasSize(3);
        assertThat(attempts).extracting(Post::body).containsOnly(attempts.get(0).body());
        assertThat(deadFilesContaining("Flaky Sputter")).isEmpty();
    }

    @Test
    void aWebhookThatKeepsFailingLeavesTheEventInTheDeadDirectoryWithOneLine(CapturedOutput output) throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Broken Hook Tool");
        WEBHOOK.answerAlways(500);
        lab.setOperational(tool, false);

        // the first attempt and 3 retries
        assertThat(WEBHOOK.await(text("Broken Hook Tool: down"), 4, ARRIVAL)).hasSize(4);
        List<Path> kept = awaitDeadFileContaining("Broken Hook Tool");
        assertThat(kept).hasSize(1);
        assertThat(JSON.readTree(Files.readString(kept.get(0))).path("event").asText()).isEqualTo("tool_non_operational");
        assertThat(output.getAll().lines().filter(l -> l.contains("Webhook POST given up")).toList())
                .singleElement().asString()
                .contains("WARN")
                .contains("(HTTP 500 after 3 retries): the event is kept in " + kept.get(0))
                // the URL (with Slack or Teams, a secret) never appears
                .doesNotContain("sig=abc");
        assertThat(WEBHOOK.await(text("Broken Hook Tool: down"), 5, Duration.ofMillis(500))).hasSize(4);
    }

    @Test
    void aMessageThatIsNoJsonIsKeptAtOnceWithoutRetries(CapturedOutput output) throws Exception {
        try (Publisher publisher = new Publisher(BROKER.url())) {
            publisher.publish("nemo/tools/9002/enabled", "tool 9002 is on, not JSON");
            publisher.flush();
        }
        assertThat(awaitDeadFileContaining("tool 9002 is on")).hasSize(1);
        assertThat(output.getAll()).contains("Webhook POST given up (not a JSON event): the event is kept in ");
    }

    @Test
    void anEditOfTheRouteFileGoesLiveWithoutARestart(CapturedOutput output) throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Reloaded Aligner");
        lab.setOperational(tool, false);
        WEBHOOK.await(text("Reloaded Aligner: down"), 1, ARRIVAL);

        Path file = ROUTES.resolve("webhook.yaml");
        String edited = Files.readString(file).replace("simple: \"${body[tool_name]}: up\"", "simple: \"${body[tool_name]}: back up\"");
        assertThat(edited).isNotEqualTo(Files.readString(file));
        Files.writeString(file, edited);
        long deadline = System.nanoTime() + ARRIVAL.toNanos();
        while (!output.getAll().contains("Routes reloaded summary") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        // an event sent while the reloaded route's session is reconnecting waits in the broker for
        // the next session (Camel 4.17's consumer connects before it listens): the tool goes down
        // and up again until the edited line arrives, as it must well within ARRIVAL
        List<Post> backUp = List.of();
        while (backUp.isEmpty() && System.nanoTime() < deadline + ARRIVAL.toNanos()) {
            lab.setOperational(tool, true);
            backUp = WEBHOOK.await(text("Reloaded Aligner: back up"), 1, Duration.ofSeconds(3));
            lab.setOperational(tool, false);
        }
        assertThat(backUp).isNotEmpty();
    }

    private static List<Path> deadFilesContaining(String text) throws IOException {
        try (Stream<Path> files = Files.list(DEAD)) {
            return files.filter(f -> {
                try {
                    return Files.readString(f).contains(text);
                } catch (IOException e) {
                    return false;
                }
            }).toList();
        }
    }

    private static List<Path> awaitDeadFileContaining(String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + ARRIVAL.toNanos();
        List<Path> found = deadFilesContaining(text);
        while (found.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            found = deadFilesContaining(text);
        }
        return found;
    }
}
