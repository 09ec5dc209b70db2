package org.nemo.bridge.crash;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * Inserts events at a steady rate through {@code mqtt_bridge.enqueue(...)}, as any application
 * would: event i goes to tool {@code i % tools} with the tool's own sequence number
 * {@code i / tools} in its payload. A few events commit per transaction every 10 ms. While the
 * database is away it waits and reconnects; then it counts the rows of its event type to learn
 * whether the transaction in flight committed, so that no event is ever enqueued twice or
 * skipped (the test's own bookkeeping must not look like the bridge's duplicates or losses).
 */
final class EventProducer implements Runnable {

    private static final long TICK_NANOS = 10_000_000L;

    private final Supplier<String> jdbcUrl;
    private final String eventType;
    private final int total;
    private final int tools;
    private final int perTick;
    private volatile int committed;
    private volatile long firstAt;
    private volatile long lastAt;
    private volatile Throwable failure;
    private Thread thread;

    /** @param rate events per second */
    EventProducer(Supplier<String> jdbcUrl, String eventType, int total, int tools, int rate) {
        this.jdbcUrl = jdbcUrl;
        this.eventType = eventType;
        this.total = total;
        this.tools = tools;
        this.perTick = Math.max(1, rate / 100);
    }

    static int toolOf(int i, int tools) {
        return 1 + i % tools;
    }

    static int seqOf(int i, int tools) {
        return i / tools;
    }

    EventProducer start() {
        thread = new Thread(this, "producer-" + eventType);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    int committed() {
        return committed;
    }

    /** Events per second actually achieved. */
    double rate() {
        long span = lastAt - firstAt;
        return span <= 0 ? 0 : committed * 1e9 / span;
    }

    void awaitDone(long timeoutMillis) throws InterruptedException {
        thread.join(timeoutMillis);
        if (thread.isAlive()) {
            throw new AssertionError(eventType + ": producer still running after " + timeoutMillis + " ms, " + committed + " committed");
        }
        if (failure != null) {
            throw new AssertionError(eventType + ": producer failed", failure);
        }
    }

    void awaitCommitted(int count, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (committed < count) {
            if (System.currentTimeMillis() > deadline || failure != null) {
                throw new AssertionError(eventType + ": only " + committed + " of " + count + " events committed", failure);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        firstAt = start;
        long tick = 0;
        Connection c = null;
        try {
            while (committed < total) {
                long due = start + tick * TICK_NANOS;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                tick++;
                int from = committed;
                int to = Math.min(total, from + perTick);
                try {
                    if (c == null) {
                        c = connect();
                    }
                    insert(c, from, to);
                    committed = to;
                    lastAt = System.nanoTime();
                } catch (SQLException e) {
                    closeQuietly(c);
                    c = null;
                    committed = reconnectAndCount();
                    lastAt = System.nanoTime();
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            closeQuietly(c);
        }
    }

    private void insert(Connection c, int from, int to) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT mqtt_bridge.enqueue(?, ?::jsonb, ?)")) {
            for (int i = from; i < to; i++) {
                int tool = toolOf(i, tools);
                s.setString(1, eventType);
                s.setString(2, "{\"tool\":" + tool + ",\"seq\":" + seqOf(i, tools) + ",\"i\":" + i + "}");
                s.setInt(3, tool);
                s.executeQuery().close();
            }
        }
        c.commit();
    }

    /** After a lost connection: how many of our events the database holds is how many committed. */
    private int reconnectAndCount() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (true) {
            try (Connection c = connect();
                 PreparedStatement s = c.prepareStatement("SELECT count(*) FROM mqtt_bridge.outbox WHERE event_type = ?")) {
                s.setString(1, eventType);
                try (ResultSet r = s.executeQuery()) {
                    r.next();
                    int count = r.getInt(1);
                    c.commit();
                    return count;
                }
            } catch (SQLException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(eventType + ": database not back within 120 s", e);
                }
                Thread.sleep(200);
            }
        }
    }

    private Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(jdbcUrl.get() + "&connectTimeout=5&socketTimeout=30", "postgres", "");
        c.setAutoCommit(false);
        return c;
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is already gone
            }
        }
    }
}
