package org.nemo.bridge.outbound;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.mqtt.BrokerSettings;
import org.nemo.bridge.mqtt.OutboundMqttClient;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.TestCertificates;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The publishing connection against a private Mosquitto that requires TLS, mutual TLS or a
 * password: the right settings connect and get PUBACKs; wrong ones give one clear line and
 * keep retrying.
 */
@EnabledIf("available")
class BrokerSecurityTest {

    private static TestCertificates pki;
    private static MosquittoBroker tls;
    private static MosquittoBroker mutualTls;
    private static MosquittoBroker password;

    static boolean available() {
        return MosquittoBroker.available() && TestCertificates.available();
    }

    @BeforeAll
    static void brokers() throws Exception {
        pki = new TestCertificates();
        String serverTls = "certfile " + pki.serverCert + "\nkeyfile " + pki.serverKey + "\ncafile " + pki.ca + "\n";
        tls = new MosquittoBroker(serverTls);
        mutualTls = new MosquittoBroker(serverTls + "require_certificate true\n");
        Path passwords = MosquittoBroker.passwordFile(Map.of("bridge", "right-password"));
        password = new MosquittoBroker("allow_anonymous false\npassword_file " + passwords + "\n");
    }

    @AfterAll
    static void stop() {
        tls.close();
        mutualTls.close();
        password.close();
    }

    @Test
    void tlsWithTheLabsCaConnectsAndPublishes() throws Exception {
        try (Session s = new Session(tls.url(), null, null, new BridgeProperties.Mqtt.Tls(pki.ca.toString(), null, null, true, null))) {
            s.awaitConnected();
            s.client.publish("nemo/tls/check", new MqttMessage("ok".getBytes(StandardCharsets.UTF_8), 1, false, null));
        }
    }

    @Test
    void tlsWithTheWrongCaIsRefusedWithAClearLineAndKeepsRetrying() throws Exception {
        try (Session s = new Session(tls.url(), null, null, new BridgeProperties.Mqtt.Tls(pki.otherCa.toString(), null, null, true, null))) {
            s.awaitProblem("TLS handshake failed");
            Thread.sleep(1500);
            assertThat(s.connection.isConnected()).isFalse();
            assertThat(s.connection.problem()).contains("TLS handshake failed").contains("bridge.mqtt.tls");
        }
    }

    @Test
    void mutualTlsIsAcceptedWithTheClientCertificate() throws Exception {
        BridgeProperties.Mqtt.Tls withCert = new BridgeProperties.Mqtt.Tls(pki.ca.toString(), pki.clientCert.toString(),
                pki.clientKey.toString(), true, null);
        try (Session s = new Session(mutualTls.url(), null, null, withCert)) {
            s.awaitConnected();
            s.client.publish("nemo/mtls/check", new MqttMessage("ok".getBytes(StandardCharsets.UTF_8), 1, false, null));
        }
    }

    @Test
    void mutualTlsIsRefusedWithoutTheClientCertificate() throws Exception {
        try (Session s = new Session(mutualTls.url(), null, null, new BridgeProperties.Mqtt.Tls(pki.ca.toString(), null, null, true, null))) {
            s.awaitProblem("");
            Thread.sleep(1500);
            assertThat(s.connection.isConnected()).isFalse();
        }
    }

    @Test
    void theRightPasswordConnectsAndAWrongOneIsNamedAsSuch() throws Exception {
        BridgeProperties.Mqtt.Tls none = new BridgeProperties.Mqtt.Tls(null, null, null, true, null);
        try (Session s = new Session(password.url(), "bridge", "right-password", none)) {
            s.awaitConnected();
        }
        try (Session s = new Session(password.url(), "bridge", "wrong-password", none)) {
            s.awaitProblem("refused the login");
            assertThat(s.connection.problem()).doesNotContain("wrong-password");
        }
    }

    /** One publishing connection as the service makes it. */
    private static final class Session implements AutoCloseable {

        final OutboundMqttClient client;
        final BrokerConnection connection;

        Session(String url, String user, String pass, BridgeProperties.Mqtt.Tls tlsSettings) throws Exception {
            BridgeProperties.Mqtt mqtt = new BridgeProperties.Mqtt(url, user, pass, "test", BridgeProperties.ConfigSource.PROPERTIES, null,
                    "nemo", 30, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(5), 262144, tlsSettings,
                    Duration.ofSeconds(2));
            client = new OutboundMqttClient(url, "test-" + UUID.randomUUID(), 5000, 262144);
            connection = new BrokerConnection(client, BrokerSettings.fromProperties(url, mqtt), mqtt, List.of("outbox-drain"),
                    switched -> { });
            connection.start();
            connection.leading(true);
        }

        void awaitConnected() throws InterruptedException {
            long deadline = System.currentTimeMillis() + 10_000;
            while (!connection.isConnected()) {
                assertThat(System.currentTimeMillis()).as("connected; problem: " + connection.problem()).isLessThan(deadline);
                Thread.sleep(50);
            }
        }

        void awaitProblem(String text) throws InterruptedException {
            long deadline = System.currentTimeMillis() + 10_000;
            while (connection.problem() == null || !connection.problem().contains(text)) {
                assertThat(System.currentTimeMillis()).as("problem containing '" + text + "', is: " + connection.problem())
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        }

        @Override
        public void close() {
            connection.stop();
        }
    }
}
