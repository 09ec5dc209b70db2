package org.nemo.bridge.outbound;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** The LISTEN loop behind {@link PgListenComponent}. */
class PgListenConsumer extends DefaultConsumer implements Runnable {

    static final String APPLICATION_NAME = "mqtt-bridge-listener";
    static final String PING_PREFIX = "mqtt-bridge-ping:";
    private static final long MAX_BACKOFF_MILLIS = 5000;

    private final PgListenEndpoint endpoint;
    private final String ping = PING_PREFIX + UUID.randomUUID();
    private ExecutorService executor;
    private volatile Connection connection;
    /** What one call of the driver may read on the current connection. */
    private DoorbellSocketFactory.ReadLimit readLimit;

    PgListenConsumer(PgListenEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        executor = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadExecutor(this, "pg-listen-" + endpoint.channel());
        executor.execute(this);
    }

    @Override
    protected void doStop() throws Exception {
        closeQuietly(connection);
        if (executor != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownNow(executor);
            executor = null;
        }
        endpoint.getComponent().state().stopped();
        super.doStop();
    }

    @Override
    public void run() {
        long backoff = 250;
        while (isRunAllowed()) {
            try (Connection c = open()) {
                connection = c;
                readLimit.startCall();
                try (Statement statement = c.createStatement()) {
                    statement.execute("LISTEN " + endpoint.channel());
                }
                endpoint.getComponent().state().listening(endpoint.channel());
                backoff = 250;
                ring(0); // catch up on whatever was sent while nobody listened
                listen(c);
            } catch (SQLException | RuntimeException e) {
                if (!isRunAllowed()) {
                    break;
                }
                endpoint.getComponent().state().lost(endpoint.channel(), why(e));
                sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    private Connection open() throws SQLException {
        PgListenComponent component = endpoint.getComponent();
        Properties props = new Properties();
        if (component.username() != null) {
            props.setProperty("user", component.username());
        }
        if (component.password() != null) {
            props.setProperty("password", component.password());
        }
        props.setProperty("ApplicationName", APPLICATION_NAME);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("connectTimeout", "10");
        // a silent network cut shows up as a failed ping within this many seconds
        props.setProperty("socketTimeout", Long.toString(Math.max(10, 3 * component.checkIntervalMillis() / 1000)));
        // a flood on the channel ends the connection instead of filling the heap
        props.setProperty("socketFactory", DoorbellSocketFactory.class.getName());
        readLimit = new DoorbellSocketFactory.ReadLimit(endpoint.getMaxNotificationBytes());
        Connection c = DoorbellSocketFactory.connect(readLimit, () -> DriverManager.getConnection(component.jdbcUrl(), props));
        c.setAutoCommit(true);
        return c;
    }

    /** Waits for notifications; every check interval a self-NOTIFY must come back or we reconnect. */
    private void listen(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long interval = endpoint.getComponent().checkIntervalMillis();
        long lastPingSent = 0;
        long lastPingSeen = System.currentTimeMillis();
        while (isRunAllowed()) {
            long now = System.currentTimeMillis();
            if (now - lastPingSent >= interval) {
                readLimit.startCall();
                try (Statement statement = c.createStatement()) {
                    statement.execute("SELECT pg_notify('" + endpoint.channel() + "', '" + ping + "')");
                }
                lastPingSent = now;
            }
            readLimit.startCall();
            PGNotification[] notifications = pg.getNotifications((int) Math.min(interval, 1000));
            int events = 0;
            if (notifications != null) {
                for (PGNotification n : notifications) {
                    String payload = n.getParameter();
                    if (ping.equals(payload)) {
                        lastPingSeen = System.currentTimeMillis();
                    } else if (payload == null || !payload.startsWith(PING_PREFIX)) {
                        events++;
                    }
                }
            }
            if (events > 0) {
                ring(events);
            }
            if (System.currentTimeMillis() - lastPingSeen > 3 * interval) {
                throw new SQLException("LISTEN went deaf: our own NOTIFY did not come back within " + (3 * interval) + " ms");
            }
        }
    }

    /** The flood's own words when the connection was dropped for one, else the driver's. */
    private static String why(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DoorbellSocketFactory.NotificationFlood) {
                return t.getMessage();
            }
        }
        return e.getMessage();
    }

    private void ring(int events) {
        Exchange exchange = createExchange(true);
        exchange.getMessage().setBody(events);
        exchange.getMessage().setHeader("channel", endpoint.channel());
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            getExceptionHandler().handleException("pg-listen wake-up failed", exchange, e);
        } finally {
            releaseExchange(exchange, false);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
