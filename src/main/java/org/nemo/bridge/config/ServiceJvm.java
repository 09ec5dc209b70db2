package org.nemo.bridge.config;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import org.nemo.bridge.BridgeApplication;

/**
 * The JVM the service runs in. A plain {@code java -jar nemo-mqtt-bridge.jar} without a heap
 * setting of its own would run it on the JVM's defaults: a heap of up to a quarter of the RAM,
 * which the collector grows into (about 410 MB of RSS on a 24 GB machine). Started that way, this
 * JVM starts the service in a second one with the flags docker/Dockerfile and the systemd unit
 * ship ({@code jvm.options} in the jar), hands it the console and the arguments, stops it when
 * it is stopped itself, and exits with its exit code. It runs the service from a copy of the jar
 * extracted into a cache, with the class-data archive the first run from it wrote
 * ({@link ClassCache}), as the systemd unit does. A heap setting of the user's (-Xmx,
 * -XX:MaxRAMPercentage, ... on the command line or in JAVA_TOOL_OPTIONS), a start from classes
 * rather than the jar (tests, an IDE), or {@code BRIDGE_JVM_DEFAULTS=off} keeps the one JVM.
 */
public final class ServiceJvm {

    /** {@code off}: run the service in the JVM that was started, whatever its heap. */
    public static final String SWITCH = "BRIDGE_JVM_DEFAULTS";
    /** The flags, one line: docker/Dockerfile's and the systemd unit's (ContainerImageTest, SystemdUnitTest hold them equal). */
    public static final String OPTIONS = "jvm.options";
    /** The JVM options that size the heap; any of them set by the user means the user chose. */
    private static final List<String> HEAP_OPTIONS = List.of("MaxHeapSize", "MaxRAM", "MaxRAMPercentage", "MinRAMPercentage",
            "InitialRAMPercentage", "MaxRAMFraction");
    private static final Set<VMOption.Origin> NOT_CHOSEN = Set.of(VMOption.Origin.DEFAULT, VMOption.Origin.ERGONOMIC);

    private ServiceJvm() {
    }

    /**
     * The jar's entry point: the service in a JVM of the shipped size when this one was started
     * as {@code java -jar} with the JVM's default heap, else in this one. It loads nothing of
     * Spring: a start in a second JVM spends ~0.5 s in this one, most of it the JVM's own start.
     */
    public static void main(String[] args) {
        runSizedIfUnsized(args);
        BridgeApplication.main(args);
    }

    /**
     * Runs the service in a JVM of the shipped size when this one was started as
     * {@code java -jar} with the JVM's default heap, and then never returns; otherwise returns at
     * once and the service runs here.
     */
    private static void runSizedIfUnsized(String[] args) {
        if ("off".equalsIgnoreCase(System.getenv(SWITCH))) {
            return;
        }
        String jar = launchedJar();
        if (jar == null || heapChosen()) {
            return;
        }
        try {
            startService(jar, args);
        } catch (Exception e) {
            System.err.println("Could not start the service's JVM (" + e.getMessage() + "): running in this one; "
                    + "give java a -Xmx of your own, or set " + SWITCH + "=off, to skip that step");
        }
    }

    private static void startService(String jar, String[] args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> options = Arrays.asList(shippedOptions().strip().split("\\s+"));
        ClassCache cache = ClassCache.of(Path.of(jar), java, options);
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(options);
        if (cache != null) {
            command.addAll(cache.flags());
        }
        command.addAll(ownArguments());
        command.add("-jar");
        command.add(cache != null ? cache.jar().toString() : jar);
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(SWITCH, "off");
        Process service = builder.start();
        // this JVM only waits from here on: what starting the jar left in its heap is given back
        System.gc();
        // a stop of this JVM (SIGTERM, Ctrl-C) stops the service the same way and waits for it
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.destroy();
            try {
                int exitCode = service.waitFor();
                // the JVM halts when this hook ends: the archive is kept here, not after the wait below
                if (cache != null) {
                    cache.afterRun(exitCode);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "service-jvm-stop"));
        int exitCode = service.waitFor();
        if (cache != null) {
            cache.afterRun(exitCode);
        }
        System.exit(exitCode);
    }

    /** jvm.options, read without Spring's resource classes (they are not loaded in this JVM). */
    private static String shippedOptions() throws IOException {
        try (InputStream in = ServiceJvm.class.getResourceAsStream("/" + OPTIONS)) {
            return new String(Objects.requireNonNull(in, OPTIONS).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The jar of {@code java -jar JAR}, or null when this JVM was started otherwise. */
    private static String launchedJar() {
        String[] argv = ProcessHandle.current().info().arguments().orElse(new String[0]);
        for (int i = 0; i + 1 < argv.length; i++) {
            if ("-jar".equals(argv[i])) {
                return Files.isRegularFile(Path.of(argv[i + 1])) ? argv[i + 1] : null;
            }
        }
        return null;
    }

    private static boolean heapChosen() {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        return HEAP_OPTIONS.stream().anyMatch(name -> {
            try {
                return !NOT_CHOSEN.contains(vm.getVMOption(name).getOrigin());
            } catch (IllegalArgumentException unknown) {
                return false;
            }
        });
    }

    /** This JVM's options from the command line; those from the environment reach the service's JVM again by themselves. */
    private static List<String> ownArguments() {
        Set<String> fromEnvironment = Set.copyOf(Arrays.asList((Objects.toString(System.getenv("JAVA_TOOL_OPTIONS"), "") + " "
                + Objects.toString(System.getenv("JDK_JAVA_OPTIONS"), "")).strip().split("\\s+")));
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(argument -> !fromEnvironment.contains(argument))
                .toList();
    }
}
