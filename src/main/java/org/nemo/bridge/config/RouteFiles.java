package org.nemo.bridge.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.io.support.ResourcePatternResolver;

/**
 * Which YAML route files Camel loads: the jar's own ({@code classpath:routes/*.yaml}, built
 * from the top-level routes/), where a file of the same name in {@code bridge.routes.directory}
 * replaces the jar's file, and that directory's other files add routes. So the jar runs from
 * any directory, and a lab edits (and hot-reloads) only the files it changes. A directory file
 * that {@link RouteFileOwnership} refuses is left out (the jar's file of its name runs), with
 * the reason in {@link #refused()}.
 */
public final class RouteFiles {

    /** Where the build puts the top-level routes/ inside the jar. */
    public static final String IN_JAR = "routes/";

    private final List<String> fromJar;
    private final List<Path> fromDirectory;
    private final Map<Path, String> refused;

    private RouteFiles(List<String> fromJar, List<Path> fromDirectory, Map<Path, String> refused) {
        this.fromJar = fromJar;
        this.fromDirectory = fromDirectory;
        this.refused = refused;
    }

    /**
     * @param checkOwnership leave out the directory's files {@link RouteFileOwnership} refuses
     */
    public static RouteFiles resolve(Path directory, boolean checkOwnership) {
        return resolve(directory, checkOwnership, new PathMatchingResourcePatternResolver(RouteFiles.class.getClassLoader()));
    }

    static RouteFiles resolve(Path directory, boolean checkOwnership, ResourcePatternResolver resolver) {
        Path absolute = directory.toAbsolutePath().normalize();
        Set<String> local = new TreeSet<>();
        Map<Path, String> refused = new TreeMap<>();
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                files.filter(f -> f.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(f)).forEach(f -> {
                    Optional<String> why = checkOwnership ? RouteFileOwnership.refusal(f) : Optional.empty();
                    why.ifPresentOrElse(w -> refused.put(absolute.resolve(f.getFileName()), w),
                            () -> local.add(f.getFileName().toString()));
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Set<String> jar = new TreeSet<>();
        try {
            for (Resource r : resolver.getResources("classpath*:" + IN_JAR + "*.yaml")) {
                if (r.getFilename() != null && !local.contains(r.getFilename())) {
                    jar.add(r.getFilename());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RouteFiles(jar.stream().map(name -> "classpath:" + IN_JAR + name).toList(),
                local.stream().map(absolute::resolve).toList(), Collections.unmodifiableMap(refused));
    }

    /** The value for camel.main.routes-include-pattern. */
    public String includePattern() {
        List<String> all = new ArrayList<>(fromJar);
        fromDirectory.forEach(f -> all.add("file:" + f));
        return String.join(",", all);
    }

    public int fromJarCount() {
        return fromJar.size();
    }

    public List<Path> fromDirectory() {
        return fromDirectory;
    }

    /** The directory's files left out, each with the reason. */
    public Map<Path, String> refused() {
        return refused;
    }
}
