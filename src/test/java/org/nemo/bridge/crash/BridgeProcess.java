package org.nemo.bridge.crash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bridge as its own JVM, started from the test classpath, so that the suite can kill it
 * with SIGKILL ({@link Process#destroyForcibly()}) as a crash or the OOM killer would: no
 * shutdown hook runs, nothing is flushed, the database and broker only see sockets close.
 */
final class BridgeProcess implements AutoCloseable {

    /** The bridge's bridge.outbox.batch-size here: smaller than the default, so that the duplicate bound is tight. */
    static final int BATCH_SIZE = 100;

    private static final Path LOGS = Path.of("target", "crash-suite");

    private final String name;
    private final Path log;
    private final Process process;

    private BridgeProcess(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    static BridgeProcess start(String name, String jdbcUrl, String brokerUrl) {
        return start(name, jdbcUrl, brokerUrl, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"),
                List.of("--bridge.outbox.batch-size=" + BATCH_SIZE));
    }

    /**
     * The bridge as shipped: the JVM flags of docker/Dockerfile's JAVA_TOOL_OPTIONS (the 128 MB
     * heap, exit on OutOfMemoryError) and the default batch size.
     */
    static BridgeProcess startShipped(String name, String jdbcUrl, String brokerUrl) {
        return start(name, jdbcUrl, brokerUrl, shippedJvmFlags(), List.of());
    }

    static List<String> shippedJvmFlags() {
        try {
            Matcher flags = Pattern.compile("ENV JAVA_TOOL_OPTIONS=\"([^\"]+)\"").matcher(Files.readString(Path.of("docker", "Dockerfile")));
            if (!flags.find()) {
                throw new IllegalStateException("docker/Dockerfile sets no JAVA_TOOL_OPTIONS");
            }
            return List.of(flags.group(1).trim().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BridgeProcess start(String name, String jdbcUrl, String brokerUrl, List<String> jvmFlags, List<String> settings) {
        try {
            Files.createDirectories(LOGS);
            // surefire may hand the forked JVM a manifest-only jar; this property holds the real classpath
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            // an argument file: the classpath is longer than some systems allow on a command line
            Path args = Files.createTempFile("bridge-args", ".txt");
            Files.writeString(args, "-cp \"" + classpath.replace("\\", "\\\\") + "\"\n");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmFlags);
            command.addAll(List.of(
                    "-Xshare:auto",
                    "@" + args,
                    "org.nemo.bridge.BridgeApplication",
                    "--spring.datasource.url=" + jdbcUrl,
                    "--spring.datasource.username=postgres",
                    "--bridge.mqtt.broker-url=" + brokerUrl,
                    "--bridge.mqtt.max-reconnect-delay=1s",
                    "--bridge.outbox.poll-interval=500ms",
                    "--bridge.outbox.listen-check-interval=1s",
                    "--bridge.outbox.retry-max-delay=1000",
                    "--bridge.cluster.check-interval=1s",
                    "--bridge.routes.reload=false",
                    "--bridge.plugin.queue=off",
                    "--server.port=0",
                    // JMX is for people watching; it only slows the start of a crash victim
                    "--camel.main.jmx-enabled=false"));
            command.addAll(settings);
            Path log = LOGS.resolve(name + ".log");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new BridgeProcess(name, log, process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the JVM said as it ended, e.g. "Terminating due to java.lang.OutOfMemoryError". */
    String exitReason() {
        try {
            return Files.readAllLines(log).stream().filter(l -> l.contains("OutOfMemoryError") || l.contains("Terminating"))
                    .findFirst().orElse("exit code " + process.exitValue());
        } catch (IOException | UncheckedIOException e) {
            return "exit code " + process.exitValue();
        }
    }

    String name() {
        return name;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, once the process has ended. */
    int exitValue() {
        return process.exitValue();
    }

    Path log() {
        return log;
    }

    /** Waits for Spring Boot's "Started" line; fails with the log's path when the process died instead. */
    void awaitStarted(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("bridge " + name + " exited with " + process.exitValue() + ", see " + log.toAbsolutePath());
            }
            if (logContains("Started BridgeApplication")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("bridge " + name + " did not start within " + timeoutMillis + " ms, see " + log.toAbsolutePath());
    }

    boolean logContains(String text) {
        try {
            return Files.readString(log).contains(text);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** SIGKILL: the JVM gets no chance to finish anything. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
