package org.nemo.bridge.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.camel.cluster.CamelClusterMember;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.apache.camel.support.cluster.AbstractCamelClusterView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's cluster service on what every lab already has: PostgreSQL. The leader of a
 * namespace is the instance holding a session advisory lock on a dedicated connection. A
 * killed leader's backend ends and frees the lock at once; a leader cut off from the
 * database gives up leadership as soon as its own check fails (at most one check interval
 * plus the socket timeout), and the server drops its session (TCP keep-alives of a few
 * seconds). A new holder of the lock waits out that same time before it leads, so two
 * instances never publish at once; takeover stays under 10 s.
 */
public class PostgresLeaderElection extends AbstractCamelClusterService<PostgresLeaderElection.View> {

    private static final Logger LOG = LoggerFactory.getLogger(PostgresLeaderElection.class);
    static final String APPLICATION_NAME = "mqtt-bridge-leader";

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final String memberId;
    private final long checkIntervalMillis;
    private final List<Runnable> stepDownHooks = new CopyOnWriteArrayList<>();

    public PostgresLeaderElection(String jdbcUrl, String username, String password, String memberId, long checkIntervalMillis) {
        super("postgres-leader-election");
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.memberId = memberId;
        this.checkIntervalMillis = checkIntervalMillis;
    }

    /**
     * Runs when this instance stops leading, before the view's listeners are told; may wait (this
     * instance's checks wait with it, and it publishes nothing meanwhile: another instance may
     * take the lock as usual).
     */
    public void beforeSteppingDown(Runnable hook) {
        stepDownHooks.add(hook);
    }

    @Override
    protected View createView(String namespace) {
        return new View(this, namespace);
    }

    /** One namespace: one advisory lock, tried and proven every check interval. */
    public final class View extends AbstractCamelClusterView {

        private final long lockKey;
        private final Member local = new Member();
        private ScheduledExecutorService checker;
        private volatile Connection connection;
        private volatile boolean leader;
        private long lockedAt;
        /** "Waiting" was said since this instance last led or started: once per state change. */
        private boolean saidWaiting;

        View(PostgresLeaderElection service, String namespace) {
            super(service, namespace);
            this.lockKey = ("mqtt-bridge/" + namespace).hashCode();
        }

        @Override
        protected void doStart() {
            checker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "leader-election-" + getNamespace());
                thread.setDaemon(true);
                return thread;
            });
            checker.scheduleWithFixedDelay(this::check, 0, checkIntervalMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        protected void doStop() {
            if (checker != null) {
                checker.shutdownNow();
                try {
                    checker.awaitTermination(checkIntervalMillis * 2, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // closing the session frees the lock: a follower takes over on its next check
            step(false, "stopping");
            saySteppedDown();
            closeConnection();
        }

        /**
         * A clean stop says so in the heartbeat row before it frees the lock: the next leader (a
         * restart, a redeploy) then leads at once instead of waiting out the grace period that
         * covers a leader which vanished without a word.
         */
        private void saySteppedDown() {
            if (connection == null || lockedAt == 0) {
                return;
            }
            try (PreparedStatement s = connection.prepareStatement(
                    "UPDATE mqtt_bridge.bridge_status SET leader = false WHERE instance_id = ?")) {
                s.setQueryTimeout(2);
                s.setString(1, memberId);
                s.executeUpdate();
            } catch (SQLException | RuntimeException e) {
                LOG.debug("Could not record the step-down: {}", e.toString());
            }
        }

        private void check() {
            try {
                if (connection == null) {
                    connection = open();
                }
                if (lockedAt > 0) {
                    try (Statement s = connection.createStatement()) {
                        s.setQueryTimeout((int) Math.max(1, checkIntervalMillis / 1000));
                        s.execute("SELECT 1");
                    }
                    // the previous leader has had the time to notice it lost the lock and stop
                    if (!leader && System.currentTimeMillis() - lockedAt >= graceMillis()) {
                        step(true, "took the lock");
                    }
                } else {
                    try (PreparedStatement s = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                        s.setLong(1, lockKey);
                        try (ResultSet rs = s.executeQuery()) {
                            rs.next();
                            if (!rs.getBoolean(1)) {
                                waiting();
                            } else {
                                lockedAt = System.currentTimeMillis();
                                if (anotherLeaderSeenLately()) {
                                    LOG.info("Took the lock for '{}'; leading in {} ms, once the previous leader has surely stopped",
                                            getNamespace(), graceMillis());
                                } else {
                                    step(true, "took the lock");
                                }
                            }
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                step(false, "database connection lost: " + e.getMessage());
                closeConnection();
            }
        }

        private Connection open() throws SQLException {
            Properties props = new Properties();
            if (username != null) {
                props.setProperty("user", username);
            }
            if (password != null) {
                props.setProperty("password", password);
            }
            props.setProperty("ApplicationName", APPLICATION_NAME);
            props.setProperty("connectTimeout", "5");
            props.setProperty("socketTimeout", Long.toString(socketTimeoutSeconds()));
            props.setProperty("tcpKeepAlive", "true");
            Connection c = DriverManager.getConnection(jdbcUrl, props);
            try (Statement s = c.createStatement()) {
                // the server notices a vanished leader within seconds and frees its lock
                s.execute("SET tcp_keepalives_idle = 3; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3");
            }
            return c;
        }

        private long socketTimeoutSeconds() {
            return Math.max(3, 2 * checkIntervalMillis / 1000);
        }

        /** Did another instance say it led in its recent heartbeats? Then it may still be finishing. */
        private boolean anotherLeaderSeenLately() throws SQLException {
            try (PreparedStatement s = connection.prepareStatement("SELECT count(*) FROM mqtt_bridge.bridge_status "
                    + "WHERE leader AND instance_id <> ? AND last_heartbeat > now() - interval '20 seconds'")) {
                s.setString(1, memberId);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) > 0;
                }
            }
        }

        /** How long a leader that lost its session may take to notice: its check interval and socket timeout. */
        private long graceMillis() {
            return socketTimeoutSeconds() * 1000 + checkIntervalMillis;
        }

        private void closeConnection() {
            lockedAt = 0;
            Connection c = connection;
            connection = null;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // a broken connection
                }
            }
        }

        private void waiting() {
            if (!saidWaiting) {
                saidWaiting = true;
                LOG.info("Waiting for leadership of '{}': another instance holds the lock and publishes", getNamespace());
            }
        }

        private synchronized void step(boolean nowLeader, String why) {
            if (leader == nowLeader) {
                return;
            }
            leader = nowLeader;
            saidWaiting = false;
            LOG.info(nowLeader ? "Leader for '{}' ({}): this instance publishes" : "No longer leader for '{}' ({})",
                    getNamespace(), why);
            if (!nowLeader) {
                // before the view's listeners hear it (camel-master stops its consumers, which
                // interrupts them): the drains finish the batch in hand, so what the broker
                // acknowledged is marked
                stepDownHooks.forEach(Runnable::run);
            }
            fireLeadershipChangedEvent(nowLeader ? Optional.of(local) : Optional.empty());
        }

        @Override
        public Optional<CamelClusterMember> getLeader() {
            return leader ? Optional.of(local) : Optional.empty();
        }

        @Override
        public CamelClusterMember getLocalMember() {
            return local;
        }

        @Override
        public List<CamelClusterMember> getMembers() {
            return List.of(local);
        }

        public boolean isLeader() {
            return leader;
        }

        private final class Member implements CamelClusterMember {
            @Override
            public boolean isLeader() {
                return leader;
            }

            @Override
            public boolean isLocal() {
                return true;
            }

            @Override
            public String getId() {
                return memberId;
            }
        }
    }
}
