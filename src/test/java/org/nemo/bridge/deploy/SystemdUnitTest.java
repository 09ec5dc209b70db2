package org.nemo.bridge.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/systemd/nemo-mqtt-bridge.service as systemd reads it (`systemd-analyze verify` and its
 * offline security review): the jar the build makes, a clean stop that is not a failure, and
 * systemd's hardening without what a JVM cannot run under.
 */
class SystemdUnitTest {

    private static final Path UNIT = Path.of("docker/systemd/nemo-mqtt-bridge.service");

    @Test
    void systemdVerifiesTheUnitWithoutAWarning() {
        DeployTool verify = DeployTool.run(UNIT.getParent(), List.of("systemd-analyze", "verify", "--man=no", UNIT.getFileName().toString()));
        assertThat(verify.exit()).as(verify.toString()).isZero();
        // an unknown key or a bad value is only a warning to systemd: here it is a failure
        assertThat(verify.output()).as(verify.toString()).isBlank();
    }

    @Test
    void systemdRatesTheUnitsExposureOk() {
        DeployTool security = DeployTool.run(UNIT.getParent(), List.of("systemd-analyze", "security", "--offline=true", "--no-pager",
                UNIT.getFileName().toString()));
        Matcher level = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d+)").matcher(security.output());
        assertThat(level.find()).as(security.toString()).isTrue();
        assertThat(Double.parseDouble(level.group(1))).as(security.toString()).isLessThanOrEqualTo(2.0);
    }

    @Test
    void itRunsTheJarTheBuildMakesWithTheImagesJvmFlags() throws IOException {
        Map<String, List<String>> service = section("Service");
        String exec = service.get("ExecStart").get(0);
        assertThat(exec).endsWith(" -jar /opt/nemo-mqtt-bridge/nemo-mqtt-bridge.jar");
        String dockerfileFlags = Files.readAllLines(Path.of("docker/Dockerfile")).stream()
                .filter(l -> l.startsWith("ENV JAVA_TOOL_OPTIONS=")).findFirst().orElseThrow()
                .replaceAll("ENV JAVA_TOOL_OPTIONS=\"(.*)\"", "$1");
        // the extracted jar with the class-data archive docs/deploy.md trains (ProductionJarIT trains and uses one)
        assertThat(exec).startsWith("/usr/bin/java " + dockerfileFlags
                + " -XX:SharedArchiveFile=/opt/nemo-mqtt-bridge/bridge.jsa -Xlog:cds=error -jar ");
        assertThat(service.get("User")).containsExactly("nemo-bridge");
    }

    @Test
    void aStopBySigtermIsASuccessAndTheStopWaitsForTheHandover() throws IOException {
        Map<String, List<String>> service = section("Service");
        assertThat(service.get("SuccessExitStatus")).containsExactly("143");
        assertThat(service.get("Restart")).containsExactly("on-failure");
        assertThat(Integer.parseInt(service.get("TimeoutStopSec").get(0))).isGreaterThanOrEqualTo(20);
    }

    @Test
    void itIsHardenedAsFarAsAJvmAllows() throws IOException {
        Map<String, List<String>> service = section("Service");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("ProtectSystem", "strict");
        expected.put("ProtectHome", "yes");
        expected.put("PrivateTmp", "yes");
        expected.put("NoNewPrivileges", "yes");
        expected.put("CapabilityBoundingSet", "");
        expected.put("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX");
        expected.put("SystemCallFilter", "@system-service");
        expected.put("SystemCallArchitectures", "native");
        expected.put("PrivateDevices", "yes");
        expected.put("ProtectKernelTunables", "yes");
        expected.put("ProtectControlGroups", "yes");
        expected.put("RestrictNamespaces", "yes");
        expected.forEach((key, value) -> assertThat(service.get(key)).as(key).isNotNull().contains(value));
        assertThat(service).as("the JIT writes and runs code: MemoryDenyWriteExecute would stop the JVM")
                .doesNotContainKey("MemoryDenyWriteExecute");
        // where it writes: the state directory, writable under ProtectSystem=strict, holds the generated admin password
        assertThat(service.get("StateDirectory")).containsExactly("nemo-mqtt-bridge");
        assertThat(service.get("Environment")).contains("BRIDGE_ADMIN_GENERATEDPASSWORDFILE=/var/lib/nemo-mqtt-bridge/admin-password");
        assertThat(ServiceSettings.environmentVariables()).contains("BRIDGE_ADMIN_GENERATEDPASSWORDFILE");
    }

    /** A section's settings; a key given more than once keeps every value. */
    private static Map<String, List<String>> section(String name) throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        String current = null;
        for (String line : Files.readAllLines(UNIT)) {
            String l = line.strip();
            if (l.startsWith("[")) {
                current = l.substring(1, l.length() - 1);
            } else if (name.equals(current) && !l.isEmpty() && !l.startsWith("#")) {
                int eq = l.indexOf('=');
                settings.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
            }
        }
        return settings;
    }
}
