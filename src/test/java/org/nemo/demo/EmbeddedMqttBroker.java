package org.nemo.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.embedded.EmbeddedHiveMQBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * An MQTT 5 broker in the demo's JVM (HiveMQ Community Edition, embedded) for the zero-setup
 * demo and for portable tests; never in the production jar. Listens on loopback only.
 */
public class EmbeddedMqttBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMqttBroker.class);

    private static final int MAX_QUEUED_MESSAGES = 200_000;

    private final Path home;
    private final int port;
    private EmbeddedHiveMQ hivemq;
    private EmbeddedExtension extension;

    /** @param preferredPort the port to take when it is free; 0 or a taken port picks a free one */
    public EmbeddedMqttBroker(int preferredPort) throws IOException {
        this.port = preferredPort > 0 && isFree(preferredPort) ? preferredPort : freePort();
        this.home = Files.createTempDirectory("embedded-mqtt");
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("extensions"));
        Files.writeString(conf.resolve("config.xml"), """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <persistence><mode>in-memory</mode></persistence>
                    <mqtt>
                        <!-- what the bridge's persistent inbound sessions may have queued; the default 1000 drops a burst -->
                        <queued-messages><max-queue-size>%d</max-queue-size></queued-messages>
                    </mqtt>
                    <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, MAX_QUEUED_MESSAGES));
    }

    /** A broker that runs this extension too (a test's authorizer, say), from its next start. */
    public synchronized EmbeddedMqttBroker with(EmbeddedExtension extension) {
        this.extension = extension;
        return this;
    }

    public synchronized EmbeddedMqttBroker start() {
        if (hivemq == null) {
            EmbeddedHiveMQBuilder builder = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(home.resolve("conf"))
                    .withDataFolder(home.resolve("data"))
                    .withExtensionsFolder(home.resolve("extensions"))
                    .withoutLoggingBootstrap();
            if (extension != null) {
                builder.withEmbeddedExtension(extension);
            }
            hivemq = builder.build();
            hivemq.start().orTimeout(60, TimeUnit.SECONDS).join();
            LOG.info("Embedded MQTT 5 broker listening on {} (set BRIDGE_MQTT_BROKER_URL to use your own)", url());
        }
        return this;
    }

    public synchronized void stop() {
        if (hivemq != null) {
            try {
                hivemq.close();
            } catch (Exception e) {
                LOG.warn("Embedded MQTT broker did not stop cleanly: {}", e.toString());
            }
            hivemq = null;
        }
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        stop();
        FileSystemUtils.deleteRecursively(home.toFile());
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
