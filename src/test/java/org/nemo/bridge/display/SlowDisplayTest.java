package org.nemo.bridge.display;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A display that stops reading (a tablet whose Wi-Fi hangs, or someone who means harm) costs
 * only its own stream: every other display stays live and the board's JSON answers at once.
 * The slow clients are raw sockets that send their request and never read, with a small
 * receive buffer, so that the server's writes to them block.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class SlowDisplayTest {

    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("slow_display");
    private static final int PER_ADDRESS = 6;
    private static final int IN_ALL = 8;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.display.max-clients-per-address", () -> PER_ADDRESS);
        registry.add("bridge.display.max-clients", () -> IN_ALL);
    }

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    @Timeout(180)
    void displaysThatNeverReadDoNotDelayTheOthers() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        // a board of some 300 kB, so that a few snapshots fill the sockets' buffers
        String longName = "x".repeat(80);
        lab.db().update("INSERT INTO \"NEMO_tool\" (name) SELECT 'Filler ' || g || ' ' || ? FROM generate_series(1, 1000) g", longName);
        int tool = lab.tool("Mask Aligner");
        within(Duration.ofSeconds(60), "the board listing every tool", () -> toolsListed() > 1000);

        List<Socket> slow = new ArrayList<>();
        AtomicReference<String> shownUser = new AtomicReference<>("");
        HttpResponse<Stream<String>> normal = null;
        try {
            for (int i = 0; i < 3; i++) {
                slow.add(neverReading("/api/display/feed"));
            }
            normal = http.send(HttpRequest.newBuilder(url("/api/display/feed?tool=" + tool)).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(normal.statusCode()).isEqualTo(200);
            Iterator<String> lines = normal.body().iterator();
            Thread reader = new Thread(() -> follow(lines, tool, shownUser), "normal-display");
            reader.setDaemon(true);
            reader.start();

            int usage = 0;
            for (int change = 1; change <= 25; change++) {
                // a new tool sends every board its whole snapshot; the tool's new user is what the normal display shows
                lab.tool("Filler change " + change + " " + longName);
                if (usage != 0) {
                    lab.disable(usage);
                }
                String name = "User" + change;
                usage = lab.enable(tool, lab.user(name, "Slowtest"));
                String expected = name + " Slowtest";
                long changedAt = System.nanoTime();
                within(Duration.ofSeconds(1), "change " + change + " on the normal display", () -> expected.equals(shownUser.get()));
                assertThat(Duration.ofNanos(System.nanoTime() - changedAt)).isLessThan(Duration.ofSeconds(1));

                long asked = System.nanoTime();
                HttpResponse<String> tools = http.send(HttpRequest.newBuilder(url("/api/display/tools"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(tools.statusCode()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("/api/display/tools answered").isLessThan(Duration.ofSeconds(2));
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
            if (normal != null) {
                normal.body().close();
            }
        }
    }

    @Test
    @Timeout(60)
    void streamsOverTheCapsAreTurnedAwayWith429PerAddressAnd503InAll() throws Exception {
        within(Duration.ofSeconds(20), "no stream open", () -> openStreams() == 0);
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < PER_ADDRESS; i++) {
                Socket socket = neverReading("/api/display/feed?tool=1");
                open.add(socket);
                assertThat(statusLine(socket)).as("stream %d", i + 1).contains(" 200");
            }
            HttpResponse<InputStream> refused = http.send(HttpRequest.newBuilder(url("/api/display/feed?tool=1"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = refused.body()) {
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).contains("bridge.display.max-clients-per-address");
            }

            open.remove(0).close();
            within(Duration.ofSeconds(15), "the closed stream released", () -> openStreams() < PER_ADDRESS);
            Socket again = neverReading("/api/display/feed?tool=1");
            open.add(again);
            assertThat(statusLine(again)).contains(" 200");

            // other addresses (the loopback network has them all) until the total is reached
            for (int i = PER_ADDRESS; i < IN_ALL; i++) {
                Socket other = neverReading("/api/display/feed?tool=1", "127.0.0.2");
                open.add(other);
                assertThat(statusLine(other)).as("stream %d in all", i + 1).contains(" 200");
            }
            Socket full = neverReading("/api/display/feed?tool=1", "127.0.0.3");
            open.add(full);
            assertThat(statusLine(full)).contains(" 503");
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }

    /** Reads the feed as a display does, keeping the user it shows for the tool. */
    private static void follow(Iterator<String> lines, int tool, AtomicReference<String> shownUser) {
        ObjectMapper json = new ObjectMapper();
        try {
            while (lines.hasNext()) {
                String line = lines.next();
                if (!line.startsWith("data:")) {
                    continue;
                }
                JsonNode data = json.readTree(line.substring("data:".length()));
                List<JsonNode> states = new ArrayList<>();
                data.path("tools").forEach(states::add);
                if (data.has("tool_id")) {
                    states.add(data);
                }
                for (JsonNode state : states) {
                    if (state.path("tool_id").asInt() == tool) {
                        shownUser.set(state.path("user").asText(""));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the stream ended with the test
        }
    }

    private Socket neverReading(String path) throws IOException {
        return neverReading(path, "127.0.0.1");
    }

    private Socket neverReading(String path, String from) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private static String statusLine(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    private int toolsListed() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url("/api/display/tools")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new ObjectMapper().readTree(response.body()).size();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The open display streams as an operator reads them: the gauge on /actuator/metrics. */
    private int openStreams() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url("/actuator/metrics/nemo.display.streams"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("admin:test-admin".getBytes(StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("nemo.display.streams on /actuator/metrics").isEqualTo(200);
            return new ObjectMapper().readTree(response.body()).path("measurements").path(0).path("value").asInt(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static void within(Duration limit, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() < deadline).as("%s within %s", what, limit).isTrue();
            Thread.sleep(20);
        }
    }
}
