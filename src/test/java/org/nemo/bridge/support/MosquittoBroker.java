package org.nemo.bridge.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Mosquitto, what labs run, on its own port so a test may stop and restart it
 * without touching anyone else's broker. Queues are lifted so a slow test subscriber loses
 * nothing to the broker's limits.
 */
public class MosquittoBroker implements TestBroker {

    private final int port;
    private final Path config;
    private final boolean tls;
    private final Path log;
    private final List<Path> files;
    private Process process;

    public static boolean available() {
        return binary() != null;
    }

    private static String binary() {
        for (String candidate : new String[] {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"}) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        return null;
    }

    public MosquittoBroker() {
        this("");
    }

    /** @param extraConfig mosquitto.conf lines for the listener (TLS, authentication, limits) */
    public MosquittoBroker(String extraConfig) {
        this(extraConfig, null, List.of());
    }

    /** A Mosquitto that logs everything (connects, disconnects, refusals) to a file the test reads with {@link #log()}. */
    public static MosquittoBroker loggingEverything() {
        Path log = tempFile(".log", "");
        return new MosquittoBroker("log_dest file " + log + "\nlog_type all\n", log, List.of(log));
    }

    /** A Mosquitto that applies these {@code acl_file} rules, e.g. {@code topic deny a/b} to refuse one topic. */
    public static MosquittoBroker withAcl(String rules) {
        Path acl = tempFile(".acl", rules);
        return new MosquittoBroker("acl_file " + acl + "\n", null, List.of(acl));
    }

    /**
     * A {@code password_file} holding these users and passwords, written by {@code mosquitto_passwd};
     * deleted when the JVM exits.
     */
    public static Path passwordFile(Map<String, String> passwords) {
        Path file = tempFile(".passwd", "");
        file.toFile().deleteOnExit();
        try {
            for (Map.Entry<String, String> user : passwords.entrySet()) {
                Process p = new ProcessBuilder("mosquitto_passwd", "-b", file.toString(), user.getKey(), user.getValue()).start();
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("mosquitto_passwd failed for " + user.getKey());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return file;
    }

    private MosquittoBroker(String extraConfig, Path log, List<Path> files) {
        this.log = log;
        this.files = new ArrayList<>(files);
        tls = extraConfig.contains("certfile");
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
            config = Files.createTempFile("mosquitto", ".conf");
            this.files.add(config);
            // started as root, mosquitto would drop to its own user and not read our temp files
            Files.writeString(config, """
                    user %s
                    listener %d 127.0.0.1
                    %s
                    %s
                    max_queued_messages 0
                    %s
                    %s
                    log_dest stderr
                    log_type error
                    """.formatted(System.getProperty("user.name"), port, extraConfig.contains("allow_anonymous") ? extraConfig : "allow_anonymous true\n" + extraConfig,
                    // a test that restarts the broker may keep sessions on disk; otherwise nothing is kept
                    extraConfig.contains("persistence true") ? "" : "persistence false",
                    // no in-flight limit unless the test sets Mosquitto's own (20, what labs run)
                    extraConfig.contains("max_inflight_messages") ? "" : "max_inflight_messages 0",
                    // PUBACKs without Nagle's delay, as docker/mosquitto.conf recommends (unless the test says otherwise)
                    extraConfig.contains("set_tcp_nodelay") ? "" : "set_tcp_nodelay true"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        start();
        // a broker held by a static fixture is never closed by its test: the JVM's exit stops it
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    @Override
    public String url() {
        return (tls ? "ssl" : "tcp") + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** Every line the broker has logged so far; only for {@link #loggingEverything()}. */
    public List<String> log() {
        if (log == null) {
            throw new IllegalStateException("this broker logs to stderr only: start it with loggingEverything()");
        }
        try {
            return Files.readAllLines(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            process = new ProcessBuilder(binary(), "-c", config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port);
    }

    @Override
    public synchronized void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // temp file
            }
        }
    }

    private static Path tempFile(String suffix, String content) {
        try {
            return Files.writeString(Files.createTempFile("mosquitto", suffix), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
