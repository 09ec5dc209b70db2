package org.nemo.bridge.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the systemd install does to the jar by hand (docs/deploy.md), done by a plain
 * {@code java -jar} for itself: the jar extracted once into a cache directory, since class-data
 * sharing maps classes from plain jars only, and a class-data archive of the classes the service
 * loaded, written when the first run from the extracted jar stops (on Java 25 an AOT cache,
 * made from what that run recorded). Later starts map those classes instead of loading them:
 * about half the CPU of a start (docs/BENCHMARKS.md).
 * <p>
 * The cache is {@code $BRIDGE_JVM_CACHE}, else {@code $XDG_CACHE_HOME/nemo-mqtt-bridge}, else
 * {@code ~/.cache/nemo-mqtt-bridge}: a directory per jar path, holding a copy per jar file and
 * JVM; a copy no running service uses is removed when another is made (a rebuilt jar, a Java
 * update), never one a service still loads classes from. {@code BRIDGE_JVM_CACHE=off}, or a
 * cache that cannot be written, runs the service from the jar itself, as before. An archive is kept only from a run that
 * started and stopped cleanly; one the JVM cannot map (another JVM build) costs start-up time,
 * never the start.
 */
final class ClassCache {

    /** A directory for the cache, or {@code off}. */
    static final String SWITCH = "BRIDGE_JVM_CACHE";
    /** Set for the run that writes the archive: the file {@link ServiceJvmStarted} creates once the service started. */
    static final String STARTED_FILE = "bridge.service-jvm.started-file";
    /** From Java 25 on an AOT cache (JEP 483, 514: classes loaded and linked ahead, as the image's), before it a class-data archive. */
    private static final boolean AOT = Runtime.version().feature() >= 25;
    private static final String ARCHIVE = AOT ? "bridge.aot" : "bridge.jsa";
    /** A clean stop: exit, SIGINT (Ctrl-C), SIGTERM. */
    private static final List<Integer> CLEAN_EXITS = List.of(0, 130, 143);

    /** Open while this JVM runs: its shared lock keeps the copy from being removed as unused. */
    private final FileChannel inUse;
    private final Path jar;
    private final Path archive;
    private final Path writing;
    private final Path started;
    private final String java;
    private final List<String> options;
    private boolean ran;

    private ClassCache(Path dir, String jarName, FileChannel inUse, String java, List<String> options) {
        this.inUse = inUse;
        this.java = java;
        this.options = options;
        this.jar = dir.resolve("app").resolve(jarName);
        this.archive = dir.resolve(ARCHIVE);
        long pid = ProcessHandle.current().pid();
        this.writing = dir.resolve("writing." + pid + "." + ARCHIVE);
        this.started = dir.resolve("started." + pid);
    }

    /**
     * The cache of {@code jar} for the JVM {@code java}, extracted now if it holds no copy of
     * this jar for this JVM; null, after one line saying why, when there is to be none.
     */
    static ClassCache of(Path jar, String java, List<String> options) {
        String setting = System.getenv(SWITCH);
        if ("off".equalsIgnoreCase(setting)) {
            return null;
        }
        return in(root(setting), jar, java, options);
    }

    /** {@link #of} with the cache in {@code root}. */
    static ClassCache in(Path root, Path jar, String java, List<String> options) {
        try {
            Path jarPath = jar.toAbsolutePath().normalize();
            Path jarCache = root.resolve(hash(jarPath.toString()));
            String source = String.join("\n", jarPath.toString(), Long.toString(Files.size(jarPath)),
                    Files.getLastModifiedTime(jarPath).toString(), System.getProperty("java.home"),
                    System.getProperty("java.vm.version"));
            Path dir = jarCache.resolve(hash(source));
            Files.createDirectories(dir);
            // two starts of one jar at once (a leader and its standby on one host) extract it once
            try (FileChannel setupFile = FileChannel.open(jarCache.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock setup = setupFile.lock()) {
                Path stamp = dir.resolve("source");
                if (!Files.isRegularFile(stamp)) {
                    empty(dir);
                    extract(java, jarPath, dir.resolve("app"));
                    Files.writeString(stamp, source);
                    System.err.println("Extracted " + jarPath + " into " + dir + " for class-data sharing; the JVM writes the "
                            + "class-data archive when this run stops, and later starts take about half the CPU ("
                            + SWITCH + "=off to run from the jar)");
                }
                // held while this JVM runs (the channel is kept: a collected one closes and lets go):
                // the copy an earlier jar or JVM left is removed once no service runs from it
                FileChannel inUse = FileChannel.open(dir.resolve("in-use"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.READ);
                inUse.lock(0, Long.MAX_VALUE, true);
                removeUnused(jarCache, dir);
                leftByStoppedLaunchers(dir);
                return new ClassCache(dir, jarPath.getFileName().toString(), inUse, java, options);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("No class-data cache (" + e + "): running the service from the jar, with a slower "
                    + "start; set " + SWITCH + " to a directory it may write, or to off");
            return null;
        }
    }

    /** The extracted jar the service runs from. */
    Path jar() {
        return jar;
    }

    /** The archive to map, or, while there is none, where the JVM writes it at exit and the file that says the service started. */
    List<String> flags() {
        List<String> flags = new ArrayList<>(List.of("-Xlog:cds=error"));
        if (AOT) {
            flags.add("-Xlog:aot=error");
        }
        if (Files.isRegularFile(archive)) {
            flags.add((AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive);
        } else {
            // Java 25's one-step -XX:AOTCacheOutput prints six lines at exit, the JVM's options
            // among them; recorded here, the cache is made by afterRun, quietly
            flags.addAll(AOT ? List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + recording())
                    : List.of("-XX:ArchiveClassesAtExit=" + writing));
            flags.add("-D" + STARTED_FILE + "=" + started);
        }
        return flags;
    }

    /** After the service's JVM exited (once, from whichever thread saw it first): the archive it wrote is kept if that run started and stopped cleanly. */
    synchronized void afterRun(int exitCode) {
        if (ran) {
            return;
        }
        ran = true;
        try {
            boolean startedAndStoppedCleanly = Files.exists(started) && CLEAN_EXITS.contains(exitCode);
            if (AOT && startedAndStoppedCleanly && Files.isRegularFile(recording())) {
                createAotCache();
            }
            Files.deleteIfExists(recording());
            if (startedAndStoppedCleanly && Files.isRegularFile(writing)) {
                Files.move(writing, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                System.err.println("Class-data archive written: " + archive);
            }
            Files.deleteIfExists(writing);
            Files.deleteIfExists(started);
            // no service runs from this copy any more
            inUse.close();
        } catch (IOException e) {
            System.err.println("The class-data archive was not kept (" + e.getMessage() + "); the next run writes it again");
        }
    }

    /** What the service's JVM recorded for the AOT cache (Java 25). */
    private Path recording() {
        return writing.resolveSibling(writing.getFileName() + "config");
    }

    /** The AOT cache from what the service's JVM recorded, with the shipped options and the same class path. */
    private void createAotCache() throws IOException {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(options);
        command.addAll(List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=" + recording(), "-XX:AOTCache=" + writing,
                "-Xlog:cds=error", "-Xlog:aot=error", "-cp", jar.toString()));
        if (!succeeded(command, 5)) {
            Files.deleteIfExists(writing);
            System.err.println("The AOT cache could not be made from what this run recorded (" + String.join(" ", command)
                    + "); the next run records again");
        }
    }

    /** Runs a JVM of its own to its end, its output discarded: whether it ended well within {@code minutes}. */
    private static boolean succeeded(List<String> command, int minutes) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (process.waitFor(minutes, TimeUnit.MINUTES) && process.exitValue() == 0) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        return false;
    }

    /** An archive being written, or a started file, whose launcher was killed before it could keep or remove it. */
    private static void leftByStoppedLaunchers(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                String[] name = file.getFileName().toString().split("\\.");
                String pid = name.length > 1 && (name[0].equals("started") || name[0].equals("writing")) ? name[1] : null;
                if (pid != null && !pid.isEmpty() && pid.chars().allMatch(Character::isDigit)
                        && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    private static Path root(String setting) {
        if (setting != null && !setting.isBlank()) {
            return Path.of(setting);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nemo-mqtt-bridge");
    }

    /** Spring Boot's own extraction (the jar's tools mode), as docs/deploy.md runs it. */
    private static void extract(String java, Path jar, Path into) throws IOException {
        if (!succeeded(List.of(java, "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", into.toString()), 2)) {
            throw new IOException("extracting the jar into " + into + " failed");
        }
    }

    /** The copies of this jar path that no service runs from: an older jar's, another JVM's, a broken extraction's. */
    private static void removeUnused(Path jarCache, Path current) throws IOException {
        try (Stream<Path> copies = Files.list(jarCache)) {
            for (Path copy : copies.filter(p -> Files.isDirectory(p) && !p.equals(current)).toList()) {
                boolean unused;
                try (FileChannel inUse = FileChannel.open(copy.resolve("in-use"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock lock = inUse.tryLock()) {
                    unused = lock != null;
                }
                if (unused) {
                    try {
                        empty(copy);
                        Files.delete(copy);
                    } catch (IOException notNow) {
                        // a file of it still open (a system that keeps open files from being deleted): the next start removes it
                    }
                }
            }
        }
    }

    private static void empty(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).toList()) {
                Files.delete(path);
            }
        }
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
