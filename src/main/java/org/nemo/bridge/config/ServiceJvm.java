package org.nemo.bridge.config;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;

/**
 * The JVM the service runs in. A plain {@code java -jar nemo-mqtt-bridge.jar} without a heap
 * setting of its own would run it on the JVM's defaults: a heap of up to a quarter of the RAM,
 * which the collector grows into (about 410 MB of RSS on a 24 GB machine). Started that way, this
 * JVM starts the service in a second one with the flags docker/Dockerfile and the systemd unit
 * ship ({@code jvm.options} in the jar), hands it the console and the arguments, stops it when
 * it is stopped itself, and exits with its exit code. A heap setting of the user's (-Xmx,
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
     * Runs the service in a JVM of the shipped size when this one was started as
     * {@code java -jar} with the JVM's default heap, and then never returns; otherwise returns at
     * once and the service runs here.
     */
    public static void runSizedIfUnsized(String[] args) {
        if ("off".equalsIgnoreCase(System.getenv(SWITCH))) {
            return;
        }
        String jar = launchedJar();
        if (jar == null || heapChosen()) {
            return;
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(ClasspathText.read(OPTIONS).strip().split("\\s+")));
        command.addAll(ownArguments());
        command.add("-jar");
        command.add(jar);
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(SWITCH, "off");
        try {
            Process service = builder.start();
            // this JVM only waits from here on: what starting the jar left in its heap is given back
            System.gc();
            // a stop of this JVM (SIGTERM, Ctrl-C) stops the service the same way and waits for it
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                service.destroy();
                try {
                    service.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "service-jvm-stop"));
            System.exit(service.waitFor());
        } catch (Exception e) {
            System.err.println("Could not start the service's JVM (" + e.getMessage() + "): running in this one; "
                    + "give java a -Xmx of your own, or set " + SWITCH + "=off, to skip that step");
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
