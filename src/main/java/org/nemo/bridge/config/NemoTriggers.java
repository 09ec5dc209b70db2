package org.nemo.bridge.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;

/**
 * After every migrate, at every start: re-creates the NEMO triggers and their functions from
 * {@code db/nemo/triggers.sql} (idempotent), so that an upgrade of the bridge upgrades them and
 * {@code bridge.nemo.triggers} switches them on or off. The script's {@code ${name}} placeholders
 * are Flyway's ({@code spring.flyway.placeholders}). It goes to PostgreSQL as one statement:
 * Flyway's own SQL callback parsed it statement by statement, which took most of a second of a
 * start for a script the server runs in 50 ms.
 */
public class NemoTriggers implements Callback {

    static final String SCRIPT = "db/nemo/triggers.sql";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z_]+)}");

    @Override
    public boolean supports(Event event, Context context) {
        return event == Event.AFTER_MIGRATE;
    }

    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
        return true;
    }

    @Override
    public void handle(Event event, Context context) {
        String script = filledIn(read(), context.getConfiguration().getPlaceholders());
        try (Statement statement = context.getConnection().createStatement()) {
            statement.execute(script);
        } catch (SQLException e) {
            throw new IllegalStateException("NEMO triggers (" + SCRIPT + ") could not be installed: " + e.getMessage(), e);
        }
    }

    @Override
    public String getCallbackName() {
        return "nemo-triggers";
    }

    static String filledIn(String script, Map<String, String> placeholders) {
        Matcher placeholder = PLACEHOLDER.matcher(script);
        StringBuilder filled = new StringBuilder(script.length());
        while (placeholder.find()) {
            String value = placeholders.get(placeholder.group(1));
            if (value == null) {
                throw new IllegalStateException(SCRIPT + " needs the Flyway placeholder '" + placeholder.group(1) + "'");
            }
            placeholder.appendReplacement(filled, Matcher.quoteReplacement(value));
        }
        placeholder.appendTail(filled);
        return filled.toString();
    }

    private static String read() {
        try (InputStream in = NemoTriggers.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException(SCRIPT + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(SCRIPT + " could not be read", e);
        }
    }
}
