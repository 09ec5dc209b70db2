package org.nemo.bridge.config;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar as built (target/nemo-mqtt-bridge.jar, after `package`), started as `java -jar` from a
 * directory of its own, the way a lab, an image or a systemd unit starts it: what it needs is in
 * the jar, and a start it cannot do right stops at once with one line that says why.
 */
class ProductionJarIT {

    private static final Path JAR = Path.of("target", "nemo-mqtt-bridge.jar").toAbsolutePath();
    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("production_jar");

    @TempDir
    Path elsewhere;

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    @Test
    void aStartWithoutADatabaseUrlStopsWithOneLineNamingTheSetting() throws Exception {
        Run run = refused(List.of());
        assertThat(run.refusal()).contains("spring.datasource.url (SPRING_DATASOURCE_URL) is not set");
    }

    @Test
    void aStartWithoutABrokerUrlStopsWithOneLineNamingTheSetting() throws Exception {
        Run run = refused(List.of("--spring.datasource.url=" + DATABASE, "--spring.datasource.username=postgres"));
        assertThat(run.refusal()).contains("bridge.mqtt.broker-url (BRIDGE_MQTT_BROKER_URL) is not set");
    }

    @Test
    void theEmbeddedBrokerOfTheDemoIsRefusedInProduction() throws Exception {
        Run run = refused(List.of("--spring.datasource.url=" + DATABASE, "--bridge.mqtt.broker-url=embedded"));
        assertThat(run.refusal()).contains("bridge.mqtt.broker-url").contains("demo");
    }

    @Test
    void aTypoInAModeStopsTheStartWithTheAllowedValues() throws Exception {
        Run run = refused(connected("--bridge.cluster.service=postgress"));
        assertThat(run.refusal()).contains("bridge.cluster.service='postgress' is not one of postgres, none, external");
    }

    @Test
    void aTypoInTheConfigSourceStopsTheStartWithTheAllowedValues() throws Exception {
        Run run = refused(connected("--bridge.mqtt.config-source=databse"));
        assertThat(run.refusal()).contains("bridge.mqtt.config-source='databse' is not one of properties, database");
    }

    @Test
    void aSettingOutOfRangeStopsTheStartWithTheSettingAndTheLimit() throws Exception {
        Run run = refused(connected("--bridge.outbox.batch-size=0"));
        assertThat(run.refusal()).contains("bridge.outbox.batch-size=0 must be greater than 0");
    }

    @Test
    void anExternalClusterServiceWithoutItsBeanStopsTheStartInsteadOfMakingEveryInstanceLead() throws Exception {
        Run run = refused(connected("--bridge.cluster.service=external"));
        assertThat(run.refusal()).contains("bridge.cluster.service=external needs a CamelClusterService bean");
    }

    @Test
    void anIncludePatternThatLoadsNoRouteStopsTheStart() throws Exception {
        Path empty = Files.createDirectories(elsewhere.resolve("no-routes"));
        Run run = refusedOnceUp(connected("--camel.main.routes-include-pattern=file:" + empty + "/*.yaml"));
        assertThat(run.refusal()).contains("no route loaded from camel.main.routes-include-pattern");
    }

    @Test
    void startedFromAnotherDirectoryItRunsTheJarsRoutesAndAFileBesideItReplacesOrAddsRoutes() throws Exception {
        Path routes = Files.createDirectories(elsewhere.resolve("routes"));
        // replaces the jar's retention.yaml (the same route id twice would fail the start)
        Files.writeString(routes.resolve("retention.yaml"), """
                - route:
                    id: outbox-retention
                    from:
                      uri: timer:replaced?repeatCount=1
                      steps:
                        - log: "retention.yaml replaced from the routes directory"
                """);
        // adds a route
        Files.writeString(routes.resolve("probe.yaml"), """
                - route:
                    id: probe
                    from:
                      uri: timer:probe?repeatCount=1&delay=500
                      steps:
                        - to: "sql:SELECT mqtt_bridge.enqueue('jar_probe', '{}'::jsonb)"
                """);
        // a file another local user could have written is refused at start, in one line
        Path foreign = Files.writeString(routes.resolve("foreign.yaml"), """
                - route:
                    id: foreign
                    from:
                      uri: timer:foreign?repeatCount=1
                      steps:
                        - to: "sql:SELECT mqtt_bridge.enqueue('foreign_probe', '{}'::jsonb)"
                """);
        Files.setPosixFilePermissions(foreign, PosixFilePermissions.fromString("rw-rw-r--"));
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/#")) {
            Process bridge = start(connected());
            try {
                display.await(m -> m.topic().equals("nemo/events/jar_probe"), 1, Duration.ofSeconds(120));
                awaitLog(bridge, "retention.yaml replaced from the routes directory");
                String log = awaitLog(bridge, "http      port");
                assertThat(log.lines().filter(l -> l.contains("not loaded"))).singleElement().asString()
                        .contains("Route file " + foreign.toAbsolutePath().normalize() + " not loaded: writable by its group");
                assertThat(display.all()).noneMatch(m -> m.topic().equals("nemo/events/foreign_probe"));
                Matcher port = Pattern.compile("http +port (\\d+)").matcher(log);
                assertThat(port.find()).isTrue();
                // ready once both drains have run (the plugin queue's on its first wake-up), as a probe that retries sees it
                HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.group(1) + "/actuator/health/readiness")).build();
                HttpResponse<String> readiness = HttpClient.newHttpClient().send(ready, HttpResponse.BodyHandlers.ofString());
                for (long until = System.currentTimeMillis() + 10_000; readiness.statusCode() != 200 && System.currentTimeMillis() < until; ) {
                    Thread.sleep(200);
                    readiness = HttpClient.newHttpClient().send(ready, HttpResponse.BodyHandlers.ofString());
                }
                assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
            } finally {
                bridge.destroy();
                if (!bridge.waitFor(30, TimeUnit.SECONDS)) {
                    bridge.destroyForcibly();
                }
            }
        }
    }

    /**
     * A plain {@code java -jar} with no heap setting (the README's first example): the service runs
     * in a JVM of the shipped size (jvm.options: a 128 MB heap, not a quarter of the RAM) and
     * publishes; stopping the started JVM stops the service's, which leaves no process behind. The
     * first start extracts the jar into the cache and its stop writes the class-data archive; the
     * next start runs the service from the extracted jar with the archive mapped.
     */
    @Test
    void aPlainJavaDashJarRunsTheServiceInAJvmOfTheShippedSizeWhichMapsTheClassesItsFirstRunLoaded() throws Exception {
        Path jar = Files.createDirectories(elsewhere.resolve("bridge")).resolve("nemo-mqtt-bridge.jar");
        Files.copy(JAR, jar);
        Path cache = elsewhere.resolve("cache");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String first = plainJavaDashJar(java, jar, cache, "plain_jar", List.of(), () -> { }).log();
        assertThat(first).contains("Extracted " + jar + " into " + cache, "Class-data archive written: " + cache);
        Path copy = copies(cache).get(0);
        assertThat(copies(cache)).containsExactly(copy);
        assertThat(copy.resolve("bridge.jsa")).isNotEmptyFile();
        assertThat(copy.resolve("app").resolve("nemo-mqtt-bridge.jar")).isRegularFile();

        PlainRun second = plainJavaDashJar(java, jar, cache, "plain_jar_again", List.of("-Xlog:class+load=info:file=classes-%p.log"), () -> {
            // the jar rebuilt and started again while this service runs: a copy of its own beside this one, which stays
            Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
            ClassCache rebuilt = ClassCache.in(cache, jar, java, List.of());
            assertThat(rebuilt).isNotNull();
            assertThat(copies(cache)).hasSize(2).contains(copy);
            rebuilt.afterRun(0);
        });
        assertThat(second.log()).doesNotContain("Extracted ").doesNotContain("Class-data archive written");
        assertFromTheCache(elsewhere.resolve("classes-" + second.servicePid() + ".log"), "org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader",
                "org.nemo.bridge.BridgeApplication");
        // no service runs from the old copy any more: the next start removes it
        assertThat(ClassCache.in(cache, jar, java, List.of())).isNotNull();
        assertThat(copies(cache)).hasSize(1).doesNotContain(copy);
    }

    /** A start refused by a plain {@code java -jar} keeps no archive: it would hold a fraction of the classes and slow every later start. */
    @Test
    void aPlainJavaDashJarWhoseStartIsRefusedKeepsNoArchive() throws Exception {
        Path cache = elsewhere.resolve("cache");
        Path log = elsewhere.resolve("refused.log");
        Process launcher = launch(elsewhere, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString()), log, Map.of(ClassCache.SWITCH, cache.toString()));
        assertThat(launcher.waitFor(120, TimeUnit.SECONDS)).as("the refused start stopped").isTrue();
        assertThat(launcher.exitValue()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("Start refused: spring.datasource.url").doesNotContain("Class-data archive written");
        Path copy = copies(cache).get(0);
        try (var files = Files.list(copy)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactlyInAnyOrder("app", "source", "in-use");
        }
    }

    /**
     * The same on Java 25: the first run records for an AOT cache, which its launcher makes
     * when the service stopped (quietly: the JVM's one-step training prints six lines), and the
     * next start maps it. Needs a Java 25 JDK (JAVA25_HOME, or one under /usr/lib/jvm); without
     * one this test is skipped, and CI counts a skip as a failure.
     */
    @Test
    void aPlainJavaDashJarOnJava25MapsTheAotCacheItsFirstRunRecorded() throws Exception {
        Path java25 = java25();
        Assumptions.assumeTrue(java25 != null, "no Java 25 JDK: set JAVA25_HOME");
        String java = java25.resolve("bin").resolve("java").toString();
        Path cache = elsewhere.resolve("cache");
        String first = plainJavaDashJar(java, JAR, cache, "plain_jar_25", List.of(), () -> { }).log();
        assertThat(first).contains("Class-data archive written: " + cache).doesNotContain("AOTCache creation", "Picked up");
        assertThat(copies(cache)).singleElement().satisfies(copy -> assertThat(copy.resolve("bridge.aot")).isNotEmptyFile());

        PlainRun second = plainJavaDashJar(java, JAR, cache, "plain_jar_25_again", List.of("-Xlog:class+load=info:file=classes-%p.log"),
                () -> { });
        assertFromTheCache(elsewhere.resolve("classes-" + second.servicePid() + ".log"), "org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader",
                "org.nemo.bridge.BridgeApplication");
    }

    /** Each class was loaded from the class cache (class-data archive or AOT cache), per a {@code -Xlog:class+load} file. */
    private static void assertFromTheCache(Path classesLog, String... classes) throws IOException {
        List<String> loaded = Files.readAllLines(classesLog);
        for (String name : classes) {
            assertThat(loaded).as(name + " from the cache").anyMatch(l -> l.contains(" " + name + " source: shared objects file"));
        }
    }

    /** The extracted copies in the cache: one directory per jar path, a copy per jar file and JVM in it. */
    private static List<Path> copies(Path cache) throws IOException {
        try (var paths = Files.walk(cache, 2)) {
            return paths.filter(p -> cache.relativize(p).getNameCount() == 2 && Files.isDirectory(p)).toList();
        }
    }

    private record PlainRun(String log, long servicePid) {
    }

    private interface WhileRunning {
        void run() throws Exception;
    }

    /**
     * One start of {@code java [flags] -jar jar} with the class cache in {@code cache}, until it
     * published an event (after {@code whileRunning}) and stopped.
     */
    private PlainRun plainJavaDashJar(String java, Path jar, Path cache, String event, List<String> flags, WhileRunning whileRunning)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(flags);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(connected());
        Path log = elsewhere.resolve(event + ".log");
        Process launcher = launch(elsewhere, command, log, Map.of(ClassCache.SWITCH, cache.toString()));
        ProcessHandle service = null;
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/" + event)) {
            awaitLog(log, launcher, "Started BridgeApplication");
            List<ProcessHandle> children = launcher.children().toList();
            assertThat(children).as("the service's JVM").hasSize(1);
            service = children.get(0);
            assertThat(service.info().arguments().map(List::of).orElseThrow()).contains("-Xmx128m", "-XX:+UseSerialGC", "-jar");
            whileRunning.run();
            new org.springframework.jdbc.core.JdbcTemplate(TestDatabase.dataSource(DATABASE))
                    .queryForObject("SELECT mqtt_bridge.enqueue('" + event + "', '{}'::jsonb)", Long.class);
            display.awaitOne("nemo/events/" + event, Duration.ofSeconds(30));
        } finally {
            launcher.destroy();
            if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
            }
        }
        assertThat(service.isAlive()).as("the service's JVM after the launcher stopped").isFalse();
        String text = Files.readString(log);
        // a graceful stop: the leader handed its leadership over
        assertThat(text).contains("No longer leader for 'bridge' (stopping)");
        return new PlainRun(text, service.pid());
    }

    /**
     * What docs/deploy.md's systemd install does to the jar, on this JVM (Java 17, as the unit's
     * /usr/bin/java): extracted, a class-data archive trained without a database or broker on the
     * path the unit starts it from, then the service started with it ({@code -Xshare:on}: an
     * archive it cannot map ends the start) publishes.
     */
    @Test
    void theSystemdUnitsClassDataArchiveIsTrainedWithoutADatabaseAndUsedAtStart() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path app = extracted(java, false);
        String jar = app.resolve("nemo-mqtt-bridge.jar").toString();
        trainsThenPublishes(app, java, List.of("-XX:ArchiveClassesAtExit=bridge.jsa", "-Xlog:cds=error"), "bridge.jsa",
                List.of("-XX:SharedArchiveFile=bridge.jsa", "-Xshare:on"), jar, "cds_check");
    }

    /**
     * What docker/Dockerfile does, on the image's Java 25: the jar extracted into layers, the AOT
     * cache trained without a database or broker, then the service started with it
     * ({@code -XX:AOTMode=on}: a cache it cannot use ends the start) publishes. Needs a Java 25
     * JDK (JAVA25_HOME, or one under /usr/lib/jvm); without one this test is skipped, and CI
     * counts a skip as a failure.
     */
    @Test
    void theImagesAotCacheIsTrainedWithoutADatabaseAndUsedAtStart() throws Exception {
        Path java25 = java25();
        Assumptions.assumeTrue(java25 != null, "no Java 25 JDK: set JAVA25_HOME");
        String java = java25.resolve("bin").resolve("java").toString();
        Path app = extracted(java, true);
        trainsThenPublishes(app, java, List.of("-XX:AOTCacheOutput=bridge.aot", "-Xlog:cds=error", "-Xlog:aot=error"), "bridge.aot",
                List.of("-XX:AOTCache=bridge.aot", "-XX:AOTMode=on"), "nemo-mqtt-bridge.jar", "aot_check");
    }

    /** The jar extracted as the image's build stage (layers, copied into one directory) or the systemd install does it. */
    private Path extracted(String java, boolean layers) throws Exception {
        Path app = elsewhere.resolve("app");
        if (!layers) {
            assertThat(run(elsewhere, List.of(java, "-Djarmode=tools", "-jar", JAR.toString(), "extract", "--destination",
                    app.toString()))).isZero();
            return app;
        }
        Path extracted = elsewhere.resolve("extracted");
        assertThat(run(elsewhere, List.of(java, "-Djarmode=tools", "-jar", JAR.toString(), "extract", "--layers", "--destination",
                extracted.toString()))).isZero();
        Files.createDirectories(app);
        for (String layer : List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application")) {
            copyTree(extracted.resolve(layer), app);
        }
        return app;
    }

    /**
     * The training run exits 0 and writes the cache; the service started with it publishes an
     * event, and the classes that load and start the routes come from the cache: the training
     * went through the whole start, not only the context's refresh.
     */
    private void trainsThenPublishes(Path app, String java, List<String> trainingFlags, String cache, List<String> runFlags,
            String jar, String event) throws Exception {
        List<String> flags = List.of("-Xms32m", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        List<String> training = new ArrayList<>(List.of(java));
        training.addAll(flags);
        training.addAll(trainingFlags);
        training.addAll(List.of("-Dbridge.training-run=true", "-jar", jar,
                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/cds-training",
                "--bridge.mqtt.broker-url=tcp://127.0.0.1:1", "--bridge.admin.password=cds-training",
                "--spring.flyway.enabled=false", "--server.port=0"));
        assertThat(run(app, training)).as("the training run's exit code; log:\n" + Files.readString(app.resolve("run.log"))).isZero();
        assertThat(app.resolve(cache)).isNotEmptyFile();

        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(flags);
        command.addAll(runFlags);
        command.addAll(List.of("-Xlog:class+load=info:file=classes.log", "-jar", jar));
        command.addAll(connected());
        Process bridge = launch(app, command, app.resolve("bridge.log"));
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/" + event)) {
            awaitLog(app.resolve("bridge.log"), bridge, "Started BridgeApplication");
            new org.springframework.jdbc.core.JdbcTemplate(TestDatabase.dataSource(DATABASE))
                    .queryForObject("SELECT mqtt_bridge.enqueue('" + event + "', '{}'::jsonb)", Long.class);
            display.awaitOne("nemo/events/" + event, Duration.ofSeconds(30));
            assertFromTheCache(app.resolve("classes.log"), "org.apache.camel.dsl.yaml.YamlRoutesBuilderLoader",
                    "org.apache.camel.reifier.RouteReifier", "org.eclipse.paho.mqttv5.client.internal.ClientComms");
        } finally {
            bridge.destroy();
            if (!bridge.waitFor(30, TimeUnit.SECONDS)) {
                bridge.destroyForcibly();
            }
        }
    }

    /** A Java 25 JDK: JAVA25_HOME, else the first under /usr/lib/jvm whose release file says 25. */
    private static Path java25() throws IOException {
        String home = System.getenv("JAVA25_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home);
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (var homes = Files.list(jvms)) {
            for (Path candidate : homes.sorted().toList()) {
                Path release = candidate.resolve("release");
                if (Files.isRegularFile(release) && Files.readString(release).contains("JAVA_VERSION=\"25")
                        && Files.isExecutable(candidate.resolve("bin").resolve("java"))) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private static int run(Path dir, List<String> command) throws Exception {
        Process process = launch(dir, command, dir.resolve("run.log"));
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not end within 180 s");
        }
        return process.exitValue();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.exists(from)) {
            return;
        }
        try (var paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static List<String> connected(String... more) {
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + DATABASE, "--spring.datasource.username=postgres",
                "--bridge.mqtt.broker-url=" + BROKER.url(), "--bridge.admin.password=jar-test", "--server.port=0",
                "--bridge.mqtt.client-id=jar-" + ProcessHandle.current().pid()));
        args.addAll(List.of(more));
        return args;
    }

    private Process start(List<String> args) throws IOException {
        assertThat(JAR).as("the jar `./mvnw package` builds").exists();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", JAR.toString()));
        command.addAll(args);
        return launch(elsewhere, command, elsewhere.resolve("bridge.log"));
    }

    /** A process in {@code dir}, its output in {@code log}; nothing from this machine's environment decides the start. */
    private static Process launch(Path dir, List<String> command, Path log) throws IOException {
        return launch(dir, command, log, Map.of());
    }

    /** The same with {@code environment} set. */
    private static Process launch(Path dir, List<String> command, Path log, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("SPRING_") || k.startsWith("BRIDGE_") || k.startsWith("CAMEL_")
                || k.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Refused before anything starts: the one line is all the start logs beyond INFO. */
    private Run refused(List<String> args) throws Exception {
        Run run = refusedOnceUp(args);
        assertThat(run.log().lines().filter(l -> l.contains(" WARN "))).as("warnings").isEmpty();
        return run;
    }

    /** Refused once the context is up: what had started stops again (and may say so). */
    private Run refusedOnceUp(List<String> args) throws Exception {
        Process bridge = start(args);
        if (!bridge.waitFor(180, TimeUnit.SECONDS)) {
            bridge.destroyForcibly();
            throw new AssertionError("the refused start did not stop; log:\n" + log());
        }
        Run run = new Run(bridge.exitValue(), log());
        assertThat(run.exitCode()).as("exit code; log:\n" + run.log()).isNotZero();
        List<String> errors = run.log().lines().filter(l -> l.contains(" ERROR ")).toList();
        assertThat(errors).as("the one line the refused start logs:\n" + run.log()).hasSize(1);
        assertThat(errors.get(0)).contains("Start refused: ");
        assertThat(run.log()).as("no stack trace").doesNotContain("\tat ").doesNotContain("APPLICATION FAILED TO START");
        return run;
    }

    private String log() throws IOException {
        return Files.readString(elsewhere.resolve("bridge.log"));
    }

    private String awaitLog(Process bridge, String text) throws Exception {
        return awaitLog(elsewhere.resolve("bridge.log"), bridge, text);
    }

    private static String awaitLog(Path file, Process bridge, String text) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            String log = Files.readString(file);
            if (log.contains(text)) {
                return log;
            }
            assertThat(bridge.isAlive()).as("bridge running; log:\n" + log).isTrue();
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + text + "' in the log:\n" + Files.readString(file));
    }

    private record Run(int exitCode, String log) {
        String refusal() {
            return log.lines().filter(l -> l.contains("Start refused: ")).findFirst().orElseThrow();
        }
    }
}
