package org.nemo.bridge.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.springframework.core.io.ClassPathResource;

/** A UTF-8 file of the jar (an SQL statement, a page template) as a String. */
public final class ClasspathText {

    private ClasspathText() {
    }

    /** @param path relative to the classpath root, e.g. sql/admin/replay-dead.sql */
    public static String read(String path) {
        try {
            return new ClassPathResource(path).getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(path + " could not be read from the classpath", e);
        }
    }
}
