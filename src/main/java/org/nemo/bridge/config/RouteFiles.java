package org.nemo.bridge.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.io.support.ResourcePatternResolver;

/**
 * Which YAML route files Camel loads: the jar's own ({@code classpath:routes/*.yaml}, built
 * from the top-level routes/), where a file of the same name in {@code bridge.routes.directory}
 * replaces the jar's file, and that directory's other files add routes. So the jar runs from
 * any directory, and a lab edits (and hot-reloads) only the files it changes.
 */
public final class RouteFiles {

    /** Where the build puts the top-level routes/ inside the jar. */
    public static final String IN_JAR = "routes/";

    private final List<String> fromJar;
    private final List<Path> fromDirectory;

    private RouteFiles(List<String> fromJar, List<Path> fromDirectory) {
        this.fromJar = fromJar;
        this.fromDirectory = fromDirectory;
    }

    public static RouteFiles resolve(Path directory) {
        return resolve(directory, new PathMatchingResourcePatternResolver(RouteFiles.class.getClassLoader()));
    }

    static RouteFiles resolve(Path directory, ResourcePatternResolver resolver) {
        Set<String> local = new TreeSet<>();
        if (Files.isDirectory(directory)) {
            try (Stream<Path> files = Files.list(directory)) {
                files.filter(f -> f.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(f))
                        .forEach(f -> local.add(f.getFileName().toString()));
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
        Path absolute = directory.toAbsolutePath().normalize();
        return new RouteFiles(jar.stream().map(name -> "classpath:" + IN_JAR + name).toList(),
                local.stream().map(absolute::resolve).toList());
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
}
