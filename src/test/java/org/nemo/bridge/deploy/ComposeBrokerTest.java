package org.nemo.bridge.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.nemo.bridge.support.MosquittoBroker;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The compose stack's broker as docker/mosquitto.conf and docker/mosquitto-acl set it up, run
 * on a real Mosquitto: nobody gets in without a login, displays only read, machines only send
 * telemetry; the broker's compose healthcheck logs in, and the demo machine's readings get
 * through; and nothing in docker/compose.yaml is published on every interface by default.
 */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
class ComposeBrokerTest {

    private static final Path DOCKER = Path.of("docker");
    private static final Map<String, String> PASSWORDS = Map.of(
            "bridge", UUID.randomUUID().toString(), "display", UUID.randomUUID().toString(), "machine", UUID.randomUUID().toString());

    private static MosquittoBroker broker;

    @BeforeAll
    static void composeBroker() throws Exception {
        Path passwd = MosquittoBroker.passwordFile(PASSWORDS);
        // the shipped file, with the container's paths pointed at the test's own files and
        // without its listener and persistence (the test broker has its own)
        String shipped = Files.readString(DOCKER.resolve("mosquitto.conf")).lines()
                .filter(line -> !line.startsWith("listener") && !line.startsWith("persistence") && !line.startsWith("max_"))
                .map(line -> line.replace("/mosquitto/data/passwd", passwd.toString())
                        .replace("/mosquitto/config/acl", DOCKER.resolve("mosquitto-acl").toAbsolutePath().toString()))
                .collect(Collectors.joining("\n"));
        assertThat(shipped).contains("allow_anonymous false").contains("password_file").contains("acl_file");
        broker = new MosquittoBroker(shipped + "\n");
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void anAnonymousClientIsRefused() {
        assertThatThrownBy(() -> connect(null)).isInstanceOf(MqttException.class);
    }

    @Test
    void aWrongPasswordIsRefused() {
        assertThatThrownBy(() -> connect("display", "not-the-password")).isInstanceOf(MqttException.class);
    }

    @Test
    void aDisplayReadsToolStatesButCannotForgeThem() throws Exception {
        MqttClient bridge = connect("bridge");
        MqttClient display = connect("display");
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        subscribe(display, "nemo/tools/+/state", (topic, message) -> seen.add(new String(message.getPayload(), StandardCharsets.UTF_8)));
        MqttClient bridgeSubscriber = connect("bridge");
        BlockingQueue<String> bridgeSees = new LinkedBlockingQueue<>();
        subscribe(bridgeSubscriber, "nemo/tools/+/state", (topic, message) -> bridgeSees.add(new String(message.getPayload(), StandardCharsets.UTF_8)));

        forge("display", "nemo/tools/1/state", "{\"forged\":true}");
        bridge.publish("nemo/tools/1/state", new MqttMessage("{\"in_use\":false}".getBytes(StandardCharsets.UTF_8), 1, false, null));

        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"in_use\":false}");
        assertThat(bridgeSees.poll(5, TimeUnit.SECONDS)).isEqualTo("{\"in_use\":false}");
        assertThat(bridgeSees.poll(500, TimeUnit.MILLISECONDS)).as("the display's forged state").isNull();
        disconnect(bridge, display, bridgeSubscriber);
    }

    @Test
    void aMachineSendsTelemetryButNothingElse() throws Exception {
        MqttClient bridge = connect("bridge");
        BlockingQueue<String> topics = new LinkedBlockingQueue<>();
        subscribe(bridge, "#", (topic, message) -> topics.add(topic));
        forge("machine", "nemo/bridge/status", "offline");
        forge("machine", "nemo/inbound/spoof", "{}");
        MqttClient machine = connect("machine");
        machine.publish("factory/machine/m1/telemetry", new MqttMessage("{\"temperature\":21}".getBytes(StandardCharsets.UTF_8), 1, false, null));

        assertThat(topics.poll(5, TimeUnit.SECONDS)).isEqualTo("factory/machine/m1/telemetry");
        assertThat(topics.poll(500, TimeUnit.MILLISECONDS)).isNull();
        disconnect(bridge, machine);
    }

    @Test
    void composePublishesNothingOnEveryInterfaceByDefault() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            @SuppressWarnings("unchecked")
            List<String> ports = (List<String>) service.getValue().getOrDefault("ports", List.of());
            for (String port : ports) {
                assertThat(port).as(service.getKey() + " publishes " + port)
                        .matches("(127\\.0\\.0\\.1|\\$\\{[A-Z_]+:-127\\.0\\.0\\.1}):\\d+:\\d+");
            }
        }
        String start = Files.readString(DOCKER.resolve("mosquitto-start.sh"));
        String acl = Files.readString(DOCKER.resolve("mosquitto-acl"));
        for (String user : PASSWORDS.keySet()) {
            assertThat(start).contains(user);
            assertThat(acl).contains("user " + user);
            assertThat(services.get("mosquitto").toString()).contains("mqtt-" + user + "-password");
        }
    }

    @Test
    void theComposeHealthcheckLogsInAndFailsWithAWrongPassword() throws IOException {
        String healthcheck = composeHealthcheck("mosquitto");
        assertThat(healthcheck).contains("/run/secrets/mqtt-display-password").contains(" -E ");
        Path secret = Files.createTempFile("mqtt-display", ".password");
        // Compose turns $$ into $; the container's port and secret file become the test broker's
        String command = healthcheck.replace("$$", "$").replace("-p 1883", "-p " + broker.port())
                .replace("/run/secrets/mqtt-display-password", secret.toString());

        Files.writeString(secret, PASSWORDS.get("display") + "\n");
        DeployTool healthy = DeployTool.run(Path.of("."), List.of("sh", "-c", command));
        assertThat(healthy.exit()).as(healthy.toString()).isZero();

        Files.writeString(secret, "not-the-password\n");
        DeployTool refused = DeployTool.run(Path.of("."), List.of("sh", "-c", command));
        assertThat(refused.exit()).as(refused.toString()).isNotZero();
    }

    @Test
    void theDemoMachinesReadingsReachTheBridge() throws Exception {
        MqttClient bridge = connect("bridge");
        BlockingQueue<String> readings = new LinkedBlockingQueue<>();
        subscribe(bridge, "factory/machine/+/telemetry",
                (topic, message) -> readings.add(topic + " " + new String(message.getPayload(), StandardCharsets.UTF_8)));
        Path secret = Files.createTempFile("mqtt-machine", ".password");
        Files.writeString(secret, PASSWORDS.get("machine") + "\n");
        Path sent = Files.createTempFile("demo-machine", ".sent");
        Files.delete(sent);
        ProcessBuilder demo = new ProcessBuilder("sh", "docker/demo-machine.sh").redirectErrorStream(true);
        demo.environment().putAll(Map.of("MQTT_HOST", "127.0.0.1", "MQTT_PORT", String.valueOf(broker.port()),
                "MQTT_PASSWORD_FILE", secret.toString(), "DEMO_STEP_SECONDS", "0.3", "DEMO_SENT_FILE", sent.toString()));
        Process machine = demo.start();
        try {
            String first = readings.poll(10, TimeUnit.SECONDS);
            assertThat(first).as("a reading").isNotNull()
                    .startsWith("factory/machine/demo-furnace/telemetry {\"machine_id\":\"demo-furnace\",\"temperature\":");
            assertThat(readings.poll(5, TimeUnit.SECONDS)).as("a second reading").isNotNull();
            assertThat(sent).as("the healthcheck's file").exists();
        } finally {
            machine.descendants().forEach(ProcessHandle::destroy);
            machine.destroy();
            machine.waitFor(10, TimeUnit.SECONDS);
            disconnect(bridge);
        }
    }

    @SuppressWarnings("unchecked")
    private static String composeHealthcheck(String service) throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));
        Map<String, Object> s = ((Map<String, Map<String, Object>>) compose.get("services")).get(service);
        List<String> test = (List<String>) ((Map<String, Object>) s.get("healthcheck")).get("test");
        assertThat(test.get(0)).isEqualTo("CMD-SHELL");
        return test.get(1);
    }

    private static MqttClient connect(String user) throws MqttException {
        return connect(user, user == null ? null : PASSWORDS.get(user));
    }

    private static MqttClient connect(String user, String password) throws MqttException {
        MqttClient client = new MqttClient(broker.url(), "compose-test-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setConnectionTimeout(5);
        if (user != null) {
            options.setUserName(user);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        client.connect(options);
        return client;
    }

    /** Paho 1.2.5's subscribe(String, int, listener) calls itself; the array form works. */
    private static void subscribe(MqttClient client, String filter, IMqttMessageListener listener) throws MqttException {
        client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)}, new IMqttMessageListener[] {listener});
    }

    /**
     * A publish the ACL refuses, on a connection of its own: Mosquitto answers it with a reason
     * code or drops the connection; what matters is that nobody receives it.
     */
    private static void forge(String user, String topic, String payload) throws MqttException {
        MqttClient client = connect(user);
        try {
            client.publish(topic, new MqttMessage(payload.getBytes(StandardCharsets.UTF_8), 1, false, null));
        } catch (MqttException refused) {
            // refused: as intended
        } finally {
            try {
                client.disconnectForcibly(0, 1000);
            } catch (MqttException alreadyGone) {
                // the broker may have closed it first
            }
            client.close(true);
        }
    }

    private static void disconnect(MqttClient... clients) throws MqttException {
        for (MqttClient c : clients) {
            c.disconnect();
            c.close();
        }
    }
}
