package org.nemo.bridge.crash;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idle HTTP connections cannot end the bridge (issue 21, item 1). The bridge runs as its own
 * JVM under the shipped flags (128 MB heap, exit on OutOfMemoryError); one client opens 8,000
 * TCP connections to the HTTP port, 100 every 50 ms, and sends nothing. Each connection Tomcat
 * accepts holds about 18 KB of heap, and with Tomcat's default cap of 8,192 the bridge died
 * after about 5,400 of them. With {@code server.tomcat.max-connections} the rest wait in the
 * client or are refused, the bridge stays up, and health answers again once the idle
 * connections have timed out, while their client still holds them, and after it lets them go.
 */
class IdleConnectionsTest {

    private static final int CONNECTIONS = 8_000;
    private static final int PER_BURST = 100;
    private static final Pattern PORT = Pattern.compile("Tomcat started on port (\\d+)");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void eightThousandIdleConnectionsNeitherEndTheBridgeNorKeepHealthAwayOnceTheyGo() throws Exception {
        String database = TestDatabase.create("idle_connections");
        try (TestBroker broker = TestBroker.local();
             BridgeProcess bridge = BridgeProcess.startShipped("idle-connections", database, broker.url())) {
            bridge.awaitStarted(240_000);
            int port = httpPort(bridge);
            // up once the broker, the database and the doorbell are (a moment after "Started")
            awaitHealth(port, bridge, Duration.ofSeconds(60));

            try (IdleClient idle = new IdleClient()) {
                int connected = idle.open(port, CONNECTIONS, PER_BURST);
                System.out.println("IDLE connections completed by the client: " + connected + " of " + CONNECTIONS);
                Thread.sleep(2000);
                assertThat(bridge.isAlive()).as("bridge alive with %d idle connections, else: %s", connected, exitReason(bridge)).isTrue();
                // the client keeps every socket open: the ones Tomcat took time out, and health is back
                long start = System.nanoTime();
                awaitHealth(port, bridge, Duration.ofSeconds(90));
                System.out.printf("IDLE health answered again %.1f s after the flood, its sockets still open%n",
                        (System.nanoTime() - start) / 1e9);
            }
            // and with the idle client gone
            awaitHealth(port, bridge, Duration.ofSeconds(30));
            assertThat(bridge.isAlive()).isTrue();
            assertThat(bridge.logContains("OutOfMemoryError")).isFalse();
        }
    }

    private void awaitHealth(int port, BridgeProcess bridge, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (health(port) != 200) {
            assertThat(bridge.isAlive()).as("bridge alive while health is away, else: %s", exitReason(bridge)).isTrue();
            assertThat(System.nanoTime()).as("health answers 200 within " + within).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private int health(int port) throws InterruptedException {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                    .timeout(Duration.ofSeconds(3)).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException timedOutOrRefused) {
            return -1;
        }
    }

    private static int httpPort(BridgeProcess bridge) throws IOException {
        Matcher port = PORT.matcher(Files.readString(bridge.log()));
        assertThat(port.find()).as("the bridge logs its HTTP port").isTrue();
        return Integer.parseInt(port.group(1));
    }

    private static String exitReason(BridgeProcess bridge) {
        return bridge.isAlive() ? "alive" : bridge.exitReason();
    }

    /** Opens connections without blocking and never writes a byte to them. */
    private static final class IdleClient implements AutoCloseable {

        private final Selector selector;
        private final List<SocketChannel> channels = new ArrayList<>();

        IdleClient() throws IOException {
            selector = Selector.open();
        }

        /** Returns how many connections the client saw established (the kernel's handshake; Tomcat may not have taken them). */
        int open(int port, int count, int perBurst) throws IOException {
            int connected = 0;
            for (int i = 0; i < count; i++) {
                SocketChannel channel = SocketChannel.open();
                channels.add(channel);
                channel.configureBlocking(false);
                channel.connect(new InetSocketAddress("127.0.0.1", port));
                channel.register(selector, SelectionKey.OP_CONNECT);
                if (i % perBurst == perBurst - 1) {
                    connected += finishConnects(Duration.ofMillis(50));
                }
            }
            return connected + finishConnects(Duration.ofSeconds(3));
        }

        private int finishConnects(Duration during) throws IOException {
            int connected = 0;
            long deadline = System.nanoTime() + during.toNanos();
            for (long left = during.toMillis(); left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
                selector.select(left);
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    try {
                        if (((SocketChannel) key.channel()).finishConnect()) {
                            connected++;
                            key.interestOps(0);
                        }
                    } catch (IOException refused) {
                        key.cancel();
                    }
                }
            }
            return connected;
        }

        @Override
        public void close() throws IOException {
            for (SocketChannel channel : channels) {
                channel.close();
            }
            selector.close();
        }
    }
}
