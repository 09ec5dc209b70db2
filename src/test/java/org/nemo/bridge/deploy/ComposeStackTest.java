package org.nemo.bridge.deploy;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nemo.bridge.support.TestDatabase;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/compose.yaml as Compose would run it: every service healthy-checked and restarted,
 * secrets only from files that git ignores, what a service waits for is what has a
 * healthcheck, every mounted file exists, and the demo profile's lab really loads and moves
 * on a real PostgreSQL (the broker side is in ComposeBrokerTest).
 */
class ComposeStackTest {

    private static final Path DOCKER = Path.of("docker");
    private static final Set<String> DEMO = Set.of("nemo-demo", "demo-machine");

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() throws IOException {
        return (Map<String, Map<String, Object>>) compose().get("services");
    }

    private static Map<String, Object> compose() throws IOException {
        return new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));
    }

    @Test
    void everyServiceHasAHealthcheckAndARestartPolicy() throws IOException {
        for (Map.Entry<String, Map<String, Object>> service : services().entrySet()) {
            Map<String, Object> s = service.getValue();
            assertThat(s.get("restart")).as(service.getKey()).isIn("unless-stopped", "always", "on-failure");
            if (s.containsKey("build")) {
                // a service built here has its image's HEALTHCHECK
                assertThat(Files.readString(DOCKER.resolve("Dockerfile"))).as(service.getKey()).contains("HEALTHCHECK ");
            } else {
                assertThat(s.get("healthcheck")).as(service.getKey() + " healthcheck").isNotNull();
                assertThat(((Map<?, ?>) s.get("healthcheck")).get("test")).as(service.getKey()).isNotNull();
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aServiceWaitsOnlyForHealthyServicesAndTheDemoOnlyWhenItRuns() throws IOException {
        Map<String, Map<String, Object>> services = services();
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            Map<String, Map<String, Object>> deps = (Map<String, Map<String, Object>>) service.getValue().getOrDefault("depends_on", Map.of());
            deps.forEach((dep, how) -> {
                assertThat(services).as(service.getKey() + " waits for " + dep).containsKey(dep);
                assertThat(how.get("condition")).as(service.getKey() + " waits for " + dep).isEqualTo("service_healthy");
                boolean optional = DEMO.contains(dep) && !DEMO.contains(service.getKey());
                assertThat(how.get("required")).as(service.getKey() + " needs " + dep + " only with --profile demo")
                        .isEqualTo(optional ? Boolean.FALSE : null);
            });
            assertThat(service.getValue().get("profiles")).as(service.getKey() + " profiles")
                    .isEqualTo(DEMO.contains(service.getKey()) ? List.of("demo") : null);
        }
        assertThat(((Map<String, Object>) services.get("bridge").get("depends_on")).keySet()).contains("postgres", "mosquitto", "nemo-demo");
    }

    @Test
    @SuppressWarnings("unchecked")
    void secretsComeFromFilesThatGitIgnores() throws IOException {
        Map<String, Map<String, Object>> secrets = (Map<String, Map<String, Object>>) compose().get("secrets");
        List<String> gitignore = Files.readAllLines(Path.of(".gitignore"));
        for (Map.Entry<String, Map<String, Object>> secret : secrets.entrySet()) {
            Path file = Path.of((String) secret.getValue().get("file"));
            assertThat(gitignore).as(file + " is never committed")
                    .anyMatch(p -> !p.isBlank() && FileSystems.getDefault().getPathMatcher("glob:" + p).matches(file.getFileName()));
        }
        for (Map.Entry<String, Map<String, Object>> service : services().entrySet()) {
            for (Object used : (List<Object>) service.getValue().getOrDefault("secrets", List.of())) {
                String name = used instanceof Map<?, ?> long_ ? (String) long_.get("source") : (String) used;
                assertThat(secrets).as(service.getKey() + " uses " + name).containsKey(name);
            }
            Map<String, Object> environment = (Map<String, Object>) service.getValue().getOrDefault("environment", Map.of());
            environment.forEach((key, value) -> assertThat(key.matches("(?i).*(PASSWORD|SECRET|TOKEN|KEY).*") && !key.matches(".*_FILE"))
                    .as(service.getKey() + ": " + key + " is a secret in the environment").isFalse());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBridgeReadsItsSecretsAsSettingsAndEverySettingItIsGivenExists() throws IOException {
        Map<String, Object> bridge = services().get("bridge");
        Map<String, Object> environment = (Map<String, Object>) bridge.get("environment");
        assertThat(environment.get("SPRING_CONFIG_IMPORT")).isEqualTo("optional:configtree:/run/secrets/");
        Set<String> settings = ServiceSettings.environmentVariables();
        for (String key : environment.keySet()) {
            assertThat(key.startsWith("SPRING_") || settings.contains(key)).as(key + " names a setting of application.yaml").isTrue();
        }
        List<String> targets = ((List<Map<String, Object>>) bridge.get("secrets")).stream().map(s -> (String) s.get("target")).toList();
        assertThat(targets).containsExactlyInAnyOrder("spring.datasource.password", "bridge.admin.password", "bridge.mqtt.password");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMountedFileExists() throws IOException {
        for (Map.Entry<String, Map<String, Object>> service : services().entrySet()) {
            for (String volume : (List<String>) service.getValue().getOrDefault("volumes", List.of())) {
                String source = volume.split(":")[0];
                if (source.startsWith(".")) {
                    assertThat(DOCKER.resolve(source)).as(service.getKey() + " mounts " + source).exists();
                }
            }
            Object entrypoint = service.getValue().get("entrypoint");
            if (entrypoint instanceof List<?> args && args.size() == 2 && "/bin/sh".equals(args.get(0))) {
                assertThat(service.getValue().get("volumes").toString()).as(service.getKey() + " mounts its script").contains((String) args.get(1));
            }
        }
    }

    @Test
    void theDemoLabLoadsNemoTablesThenEnablesAndDisablesTools(@TempDir Path dir) throws Exception {
        String url = TestDatabase.create("compose_demo_lab");
        Matcher hostPort = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/").matcher(url);
        assertThat(hostPort.find()).as(url).isTrue();
        Path ready = dir.resolve("loaded");
        ProcessBuilder demo = new ProcessBuilder("sh", "docker/demo-lab.sh").redirectErrorStream(true)
                .redirectOutput(dir.resolve("demo.log").toFile());
        demo.environment().putAll(Map.of("PGHOST", hostPort.group(1), "PGPORT", hostPort.group(2), "PGUSER", "postgres",
                "PGDATABASE", "compose_demo_lab", "DEMO_SQL", "src/test/resources/demo", "DEMO_STEP_SECONDS", "0.2",
                "DEMO_READY_FILE", ready.toString(), "NEMO_DB_PASSWORD_FILE", dir.resolve("no-secret").toString()));
        Process process = demo.start();
        try {
            DataSource db = TestDatabase.dataSource(url);
            long deadline = System.currentTimeMillis() + 30_000;
            while (usageEvents(db) < 4 || !Files.exists(ready)) {
                assertThat(process.isAlive()).as(Files.readString(dir.resolve("demo.log"))).isTrue();
                assertThat(System.currentTimeMillis()).as("the demo lab's first actions").isLessThan(deadline);
                Thread.sleep(200);
            }
            String log = Files.readString(dir.resolve("demo.log"));
            assertThat(log).contains("demo lab loaded").containsPattern("enabled \\S+");
        } finally {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long usageEvents(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM \"NEMO_usageevent\"")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
