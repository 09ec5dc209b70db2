package org.nemo.bridge.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ops by hand and by file: replaying dead events, republishing every state, the outbox by
 * status, retention, and a route file edited while the service runs (a good edit goes live,
 * a broken one is refused in one line and the running routes keep working).
 */
@ExtendWith(OutputCaptureExtension.class)
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class AdminActionsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("admin_actions");
    private static final Path ROUTES = copyOfTheRoutes();

    private static Path copyOfTheRoutes() {
        try {
            Path dir = Files.createTempDirectory("routes");
            try (var files = Files.list(Path.of("routes"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.routes.directory", ROUTES::toString);
        registry.add("bridge.outbox.retention", () -> "1h");
        registry.add("bridge.outbox.purge-interval", () -> "1s");
        registry.add("bridge.outbox.purge-batch", () -> "3");
    }

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    @Autowired
    TestRestTemplate http;

    @Autowired
    DataSource dataSource;

    @Autowired
    CamelContext camel;

    private TestRestTemplate admin() {
        return http.withBasicAuth("admin", "test-admin");
    }

    /** What a script sends with a state-changing request: the header no cross-site form can carry. */
    private static HttpEntity<Void> script() {
        HttpHeaders headers = new HttpHeaders();
        headers.set("X-Requested-By", "admin-actions-test");
        return new HttpEntity<>(headers);
    }

    @Test
    void aDeadEventReplayedAfterItsCauseIsFixedIsPublished() throws InterruptedException {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            long id = lab.enqueue("fixable", "{}", null, "nemo/fix/#");
            await(() -> "dead".equals(lab.status(id)));
            JsonNode dead = admin().getForObject("/api/admin/outbox?status=dead", JsonNode.class);
            assertThat(dead.path("rows").toString()).contains("\"id\":" + id).contains("invalid topic");
            assertThat(http.postForEntity("/api/admin/outbox/replay?ids=" + id, script(), String.class).getStatusCode())
                    .isEqualTo(HttpStatus.UNAUTHORIZED);

            lab.db().update("UPDATE mqtt_bridge.outbox SET topic = 'nemo/fix/ok' WHERE id = ?", id);
            JsonNode replayed = admin().postForObject("/api/admin/outbox/replay?ids=" + id, script(), JsonNode.class);
            assertThat(replayed.path("replayed").asInt()).isEqualTo(1);
            display.awaitOne("nemo/fix/ok", WAIT);
            await(() -> "published".equals(lab.status(id)));
        }
    }

    @Test
    void aSnapshotRepublishesTheRetainedStateOfEveryTool() {
        NemoLab lab = new NemoLab(dataSource);
        int a = lab.tool("Snapshot A");
        int b = lab.tool("Snapshot B");
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/tools/+/state")) {
            JsonNode queued = admin().postForObject("/api/admin/states/republish", script(), JsonNode.class);
            assertThat(queued.path("queued").asInt()).isGreaterThanOrEqualTo(2);
            display.awaitOne("nemo/tools/" + a + "/state", WAIT);
            assertThat(display.awaitOne("nemo/tools/" + b + "/state", WAIT).json().path("tool_id").asInt()).isEqualTo(b);
        }
    }

    @Test
    void publishedEventsPastTheRetentionArePurgedInBatchesAndDeadOnesKept() throws InterruptedException {
        NemoLab lab = new NemoLab(dataSource);
        for (int i = 0; i < 10; i++) {
            lab.db().update("INSERT INTO mqtt_bridge.outbox (event_type, payload, status, published_at) "
                    + "VALUES ('old', '{}', 'published', now() - interval '2 hours')");
        }
        lab.db().update("INSERT INTO mqtt_bridge.outbox (event_type, payload, status, last_error, created_at) "
                + "VALUES ('old_dead', '{}', 'dead', 'kept', now() - interval '2 hours')");
        await(() -> lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE event_type = 'old'", Integer.class) == 0);
        assertThat(lab.db().queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE event_type = 'old_dead'", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void anEditedRouteFileGoesLiveAndABrokenOneIsRefused(CapturedOutput output) throws Exception {
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/#")) {
            Files.writeString(ROUTES.resolve("probe.yaml"), probe("reload_probe_v1"));
            display.awaitOne("nemo/events/reload_probe_v1", Duration.ofSeconds(30));

            Files.writeString(ROUTES.resolve("probe.yaml"), probe("reload_probe_v2"));
            display.awaitOne("nemo/events/reload_probe_v2", Duration.ofSeconds(30));

            int before = output.getAll().length();
            dropIn("probe.yaml", "- route:\n    id: probe\n    from: [this is not a route\n", "rw-r--r--", false);
            await(() -> output.getAll().substring(before).contains("probe.yaml"));
            Thread.sleep(2000);
            // one line naming the file, the line and the reason; no stack trace
            String log = output.getAll().substring(before);
            assertThat(log.lines().filter(l -> l.contains("probe.yaml"))).singleElement().asString()
                    .contains("Route file " + ROUTES.resolve("probe.yaml") + " refused, the running routes stay: "
                            + "line 3, column 11: while parsing a flow sequence, expected ',' or ']'");
            assertThat(log).doesNotContain("\tat ").doesNotContain("Exception");

            // valid YAML, but a key Camel does not know: the same one line, at the route it is in
            int beforeUnknown = output.getAll().length();
            dropIn("probe.yaml", probe("reload_probe_v3").replace("    id: probe\n", "    id: probe\n    retries: 3\n"), "rw-r--r--", false);
            await(() -> output.getAll().substring(beforeUnknown).contains("probe.yaml"));
            Thread.sleep(2000);
            String unknown = output.getAll().substring(beforeUnknown);
            assertThat(unknown.lines().filter(l -> l.contains("probe.yaml"))).singleElement().asString()
                    .contains("Route file " + ROUTES.resolve("probe.yaml") + " refused, the running routes stay: line 2, column 5: Unsupported field: retries");
            assertThat(unknown).doesNotContain("\tat ").doesNotContain("Exception");
            assertThat(camel.getRoute("outbox-drain")).isNotNull();
            new NemoLab(dataSource).enqueue("after_broken_edit", "{}", null, null);
            display.awaitOne("nemo/events/after_broken_edit", WAIT);
        }
    }

    @Test
    void aRouteFileAnotherUserCouldHaveWrittenIsNotLoadedWhileItRuns(CapturedOutput output) throws Exception {
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/#")) {
            // dropped in whole (a rename), as an attacker would, so the watcher sees it only as it ends up
            dropIn("foreign.yaml", probe("foreign_probe").replace("id: probe", "id: foreign"), "rw-r--r--", true);
            dropIn("open.yaml", probe("open_probe").replace("id: probe", "id: open"), "rw-rw-rw-", false);
            await(() -> output.getAll().contains("Route file " + ROUTES.resolve("foreign.yaml") + " not reloaded: owned by nobody")
                    && output.getAll().contains("Route file " + ROUTES.resolve("open.yaml") + " not reloaded: writable by others"));

            // the same content the service's user wrote is loaded: it was the owner and mode that kept them out
            dropIn("trusted.yaml", probe("trusted_probe").replace("id: probe", "id: trusted"), "rw-r--r--", false);
            display.awaitOne("nemo/events/trusted_probe", Duration.ofSeconds(30));
            assertThat(camel.getRoute("foreign")).isNull();
            assertThat(camel.getRoute("open")).isNull();
            assertThat(display.all()).noneMatch(m -> m.topic().endsWith("foreign_probe") || m.topic().endsWith("open_probe"));
            assertThat(output.getAll().lines().filter(l -> l.contains("foreign.yaml"))).hasSize(1);
        } finally {
            for (String name : new String[] {"foreign.yaml", "open.yaml", "trusted.yaml"}) {
                Files.deleteIfExists(ROUTES.resolve(name));
            }
        }
    }

    private static void dropIn(String name, String content, String mode, boolean ownedByNobody) throws IOException {
        Path outside = Files.createTempFile("route", ".tmp");
        Files.writeString(outside, content);
        Files.setPosixFilePermissions(outside, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
        if (ownedByNobody) {
            Files.setOwner(outside, outside.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        }
        Files.move(outside, ROUTES.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void anEditToTheOutboxDrainGoesLiveAndItKeepsDraining() throws Exception {
        // a broken file in the directory (the broken-edit test's) keeps Camel from reloading any other
        Files.deleteIfExists(ROUTES.resolve("probe.yaml"));
        Path outbox = ROUTES.resolve("outbox.yaml");
        String route = Files.readString(outbox);
        String userProperties = "userProperties=event_id,event_type";
        String marshal = """
                                    - marshal:
                """;
        assertThat(route).contains(userProperties).contains(marshal);
        // what an integration engineer would add: one more MQTT 5 user property on every message
        Files.writeString(outbox, route.replace(userProperties, userProperties + ",lab").replace(marshal, """
                                    - setHeader:
                                        name: lab
                                        constant: Cleanroom
                """ + marshal));
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/after_outbox_edit")) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (display.all().stream().noneMatch(r -> "Cleanroom".equals(r.userProperties().get("lab")))) {
                assertThat(System.currentTimeMillis()).as("the edited outbox route live within 30 s").isLessThan(deadline);
                lab.enqueue("after_outbox_edit", "{}", null, null);
                Thread.sleep(1000);
            }
        } finally {
            Files.writeString(outbox, route);
        }
        assertThat(camel.getRoute("outbox-drain")).isNotNull();
        assertThat(camel.getRoute("outbox-publish")).isNotNull();
    }

    private static String probe(String eventType) {
        return """
                - route:
                    id: probe
                    from:
                      uri: timer:probe?repeatCount=1
                      steps:
                        - to: "sql:SELECT mqtt_bridge.enqueue('%s', '{}'::jsonb)"
                """.formatted(eventType);
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition within 30 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
