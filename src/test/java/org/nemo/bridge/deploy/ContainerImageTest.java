package org.nemo.bridge.deploy;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/Dockerfile and .dockerignore, read as Docker reads them: the jar split into Spring
 * Boot's layers in a build stage, a numeric non-root user, a HEALTHCHECK on liveness, and a
 * build context of the jar alone.
 */
class ContainerImageTest {

    private static final Path DOCKERFILE = Path.of("docker/Dockerfile");
    /** Spring Boot's default layers, least to most often changed. */
    private static final List<String> LAYERS = List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");

    @Test
    void aBuildStageExtractsTheLayersAndTheImageCopiesThemInOrder() throws IOException {
        List<String> lines = instructions();
        List<String> froms = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(froms).hasSize(2);
        Matcher stage = Pattern.compile("FROM \\S+ AS (\\S+)").matcher(froms.get(0));
        assertThat(stage.matches()).as(froms.get(0)).isTrue();
        assertThat(lines).anyMatch(l -> l.startsWith("RUN java -Djarmode=tools -jar ") && l.contains(" extract --layers "));

        List<String> copies = lines.subList(lines.indexOf(froms.get(1)), lines.size()).stream()
                .filter(l -> l.startsWith("COPY ")).toList();
        assertThat(copies).hasSize(LAYERS.size());
        for (int i = 0; i < LAYERS.size(); i++) {
            assertThat(copies.get(i)).startsWith("COPY --from=" + stage.group(1) + " ").contains("/" + LAYERS.get(i) + "/");
        }
        assertThat(lines).contains("ENTRYPOINT [\"java\", \"-XX:AOTCache=bridge.aot\", \"-Xlog:cds=error\", \"-Xlog:aot=error\", \"-jar\", \"nemo-mqtt-bridge.jar\"]");
    }

    @Test
    void theAotCacheIsTrainedInTheImageWithItsFlagsAndNoDatabase() throws IOException {
        List<String> lines = instructions();
        // both stages on a JVM that has the AOT cache (JEP 483/514: Java 25); the jar targets 17
        assertThat(lines.stream().filter(l -> l.startsWith("FROM "))).allMatch(l -> l.startsWith("FROM eclipse-temurin:25-"));
        String training = lines.stream().filter(l -> l.contains("-XX:AOTCacheOutput=bridge.aot")).findFirst().orElseThrow();
        assertThat(training).startsWith("RUN ").contains("-Dbridge.training-run=true", "SPRING_FLYWAY_ENABLED=false",
                "-jar nemo-mqtt-bridge.jar");
        // trained with the flags it runs with: ENV before the training run
        assertThat(lines.indexOf(training)).isGreaterThan(
                lines.indexOf(lines.stream().filter(l -> l.startsWith("ENV JAVA_TOOL_OPTIONS=")).findFirst().orElseThrow()));
    }

    @Test
    void theImageRunsAsANumericNonRootUser() throws IOException {
        List<String> lines = instructions();
        String user = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
        Matcher uid = Pattern.compile("USER (\\d+)(:\\d+)?").matcher(user);
        assertThat(uid.matches()).as(user + ": numeric, so Kubernetes' runAsNonRoot can check it").isTrue();
        assertThat(Integer.parseInt(uid.group(1))).isPositive();
        assertThat(lines).anyMatch(l -> l.startsWith("RUN useradd ") && l.contains("--uid " + uid.group(1) + " "));
        assertThat(lines.indexOf(user)).as("nothing runs as root after USER")
                .isGreaterThan(lines.stream().filter(l -> l.startsWith("RUN ")).mapToInt(lines::lastIndexOf).max().orElse(-1));
    }

    @Test
    void theHealthcheckProbesLivenessNotTheAggregateHealth() throws IOException {
        String healthcheck = instructions().stream().filter(l -> l.startsWith("HEALTHCHECK ")).findFirst().orElseThrow();
        Matcher path = Pattern.compile("GET (/\\S+) HTTP").matcher(healthcheck);
        assertThat(path.find()).as(healthcheck).isTrue();
        assertThat(path.group(1)).isEqualTo("/actuator/health/liveness").isIn(ServiceSettings.healthGroupPaths());
        assertThat(instructions()).contains("EXPOSE 8080");
    }

    @Test
    void theJvmFlagsAreOneEnvLine() throws IOException {
        assertThat(Files.readAllLines(DOCKERFILE)).filteredOn(l -> l.startsWith("ENV JAVA_TOOL_OPTIONS="))
                .singleElement().asString().matches("ENV JAVA_TOOL_OPTIONS=\"[^\"]*-Xmx\\d+m[^\"]*\"");
    }

    @Test
    void aPlainJavaDashJarRunsTheServiceWithTheImagesFlags() throws IOException {
        // ServiceJvm starts the service with src/main/resources/jvm.options when java -jar sized no heap
        String image = Files.readAllLines(DOCKERFILE).stream().filter(l -> l.startsWith("ENV JAVA_TOOL_OPTIONS=")).findFirst()
                .orElseThrow().replaceAll("ENV JAVA_TOOL_OPTIONS=\"(.*)\"", "$1");
        assertThat(Files.readString(Path.of("src/main/resources/jvm.options")).strip()).isEqualTo(image);
    }

    @Test
    void theBuildContextHoldsTheJarAndNothingElse() throws IOException {
        List<String> ignore = Files.readAllLines(Path.of(".dockerignore")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        List<String> fromContext = instructions().stream()
                .filter(l -> l.startsWith("COPY ") && !l.startsWith("COPY --from")).map(l -> l.split("\\s+")[1]).toList();
        assertThat(fromContext).containsExactly("target/nemo-mqtt-bridge.jar");
        for (String source : fromContext) {
            assertThat(ignored(ignore, source)).as(source + " reaches the build").isFalse();
        }
        for (String kept : List.of("target/classes/application.yaml", "target/nemo-mqtt-bridge-0.2.0.jar.original", ".git/config",
                "docker/admin-password", "docker/mqtt-bridge-password", "docker/nemo-db-password", "src/main/java/Some.java", "bench/run")) {
            assertThat(ignored(ignore, kept)).as(kept + " stays out of the build context").isTrue();
        }
    }

    /** Docker's rule: the last pattern that matches a path (or one of its parents) decides; '!' lets it back in. */
    private static boolean ignored(List<String> patterns, String path) {
        boolean ignored = false;
        for (String pattern : patterns) {
            boolean include = pattern.startsWith("!");
            PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + (include ? pattern.substring(1) : pattern));
            for (Path p = Path.of(path); p != null; p = p.getParent()) {
                if (matcher.matches(p)) {
                    ignored = !include;
                    break;
                }
            }
        }
        return ignored;
    }

    /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
    private static List<String> instructions() throws IOException {
        String text = Files.readString(DOCKERFILE).replaceAll("\\\\\\n\\s*", "");
        return text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }
}
