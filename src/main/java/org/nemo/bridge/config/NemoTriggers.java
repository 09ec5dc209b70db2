package org.nemo.bridge.config;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.sql.SQLException;
import java.sql.Statement;

import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.internal.parser.PlaceholderReplacingReader;
import org.springframework.util.FileCopyUtils;

/**
 * After every migrate, at every start: re-creates the NEMO triggers and their functions from
 * {@code db/nemo/triggers.sql} (idempotent), so that an upgrade of the bridge upgrades them and
 * {@code bridge.nemo.triggers} switches them on or off. The script's {@code ${name}} placeholders
 * are Flyway's ({@code spring.flyway.placeholders}), filled in by Flyway's own replacer. The
 * script goes to PostgreSQL as one statement: a Flyway SQL callback would parse and send it
 * statement by statement, most of a second of a start for a script the server runs in 50 ms.
 */
public class NemoTriggers implements Callback {

    static final String SCRIPT = "db/nemo/triggers.sql";

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
        String script = filledIn(context.getConfiguration());
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

    /** The script with Flyway's placeholders filled in; one it has no value for fails the migrate, naming it. */
    static String filledIn(Configuration flyway) {
        try (Reader filled = new PlaceholderReplacingReader(flyway.getPlaceholderPrefix(), flyway.getPlaceholderSuffix(),
                flyway.getPlaceholderSeparator(), flyway.getPlaceholders(),
                new StringReader(ClasspathText.read(SCRIPT)))) {
            return FileCopyUtils.copyToString(filled);
        } catch (IOException e) {
            throw new IllegalStateException(SCRIPT + " could not be read", e);
        }
    }
}
