package org.nemo.bridge.outbound;

import java.util.Map;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * {@code pg-listen:channel} — the PostgreSQL doorbell: one exchange per batch of NOTIFYs on a
 * channel, from a dedicated connection on the standard PostgreSQL driver.
 *
 * <p>Why not camel-pgevent: in Camel 4.17.0 its reconnect deadlocks after a PostgreSQL
 * restart (it never listens again while health says UP) and after pg_terminate_backend it can
 * open two listeners (CAMEL-25545, fixed in no release we can use). This consumer reconnects
 * with Camel's scheduled-poll back-off, proves its LISTEN is alive with a self-NOTIFY that must come back, and rings
 * once after every (re)connect so nothing sent while it was deaf waits for the poll.
 */
public class PgListenComponent extends DefaultComponent {

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final PgListenerState state;
    private final long checkIntervalMillis;

    public PgListenComponent(String jdbcUrl, String username, String password, PgListenerState state,
                             long checkIntervalMillis) {
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.state = state;
        this.checkIntervalMillis = checkIntervalMillis;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        if (!remaining.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
            throw new IllegalArgumentException("pg-listen: invalid channel name '" + remaining + "'");
        }
        return new PgListenEndpoint(uri, this, remaining);
    }

    String jdbcUrl() {
        return jdbcUrl;
    }

    String username() {
        return username;
    }

    String password() {
        return password;
    }

    PgListenerState state() {
        return state;
    }

    long checkIntervalMillis() {
        return checkIntervalMillis;
    }
}
