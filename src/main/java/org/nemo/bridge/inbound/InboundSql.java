package org.nemo.bridge.inbound;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.springframework.core.io.ClassPathResource;
import org.springframework.util.StreamUtils;

/** The inbound statements live in src/main/resources/sql/inbound, one file per statement. */
final class InboundSql {

    private InboundSql() {
    }

    static String load(String name) {
        try (var in = new ClassPathResource("sql/inbound/" + name).getInputStream()) {
            return StreamUtils.copyToString(in, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
