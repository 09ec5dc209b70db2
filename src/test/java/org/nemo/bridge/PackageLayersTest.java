package org.nemo.bridge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packages form layers without cycles: the wire format at the bottom, then the settings,
 * then the broker connection and the leader election, then the two directions, then the
 * display and the operator's pages. A package uses only those below it (read from the imports
 * and the fully qualified names in the sources).
 */
class PackageLayersTest {

    private static final Map<String, Set<String>> MAY_USE = Map.of(
            "wire", Set.of(),
            "config", Set.of("wire"),
            "mqtt", Set.of("wire", "config", "cluster"),
            "cluster", Set.of("wire", "config"),
            "outbound", Set.of("wire", "config", "mqtt", "cluster"),
            "inbound", Set.of("wire", "config", "mqtt", "cluster"),
            "display", Set.of("wire", "config", "mqtt", "cluster"),
            "ops", Set.of("wire", "config", "mqtt", "cluster", "outbound", "inbound", "display"));

    private static final Pattern USE = Pattern.compile("org\\.nemo\\.bridge\\.([a-z]+)\\.[A-Z]");

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() throws IOException {
        Path root = Path.of("src/main/java/org/nemo/bridge");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = root.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue; // BridgeApplication, above every layer
                }
                String own = relative.getName(0).toString();
                assertThat(MAY_USE).as("package %s has a layer", own).containsKey(own);
                Matcher use = USE.matcher(Files.readString(file));
                while (use.find()) {
                    String other = use.group(1);
                    if (!other.equals(own) && !MAY_USE.get(own).contains(other)) {
                        violations.add(relative + " uses " + other);
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
