package org.nemo.bridge.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A PostgreSQL outage while a backlog drains (issue 21, item 15): the bridge, as shipped (its
 * own JVM, docker/Dockerfile's flags, the default batch of 500), drains a backlog of many
 * batches; PostgreSQL stops for 5 s mid-drain and starts again on the same data. Nothing is
 * lost, per-tool order holds, the batch in hand when the database went is marked once it is
 * back instead of being sent again (the contract allows one batch; before, the whole batch went
 * out twice), and the log says once that the database went and once that it is back, without
 * a stack trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseOutageTest {

    private static final int BATCH = 500;
    /**
     * What may go out twice when the outage is shorter than bridge.cluster.step-down-wait: the
     * batch in hand is marked once the database is back, not sent again; only messages still
     * awaiting their PUBACK when the publishing connection let go with the leadership can be,
     * at most the broker's Receive Maximum (Mosquitto's default 20, HiveMQ CE's 10).
     */
    private static final int IN_FLIGHT = 20;
    private static final int BACKLOG = 40 * BATCH;
    private static final int TOOLS = 25;
    private static final long TIMEOUT = 240_000;

    private Path pgData;
    private EmbeddedPostgres postgres;
    private TestBroker broker;
    private BridgeProcess bridge;

    @BeforeAll
    void start() throws Exception {
        pgData = Files.createTempDirectory("outage-pg");
        postgres = EmbeddedPostgres.builder().setDataDirectory(pgData).setCleanDataDirectory(false).start();
        TestDatabase.nemoTables(postgres.getPostgresDatabase());
        broker = TestBroker.local();
        bridge = BridgeProcess.startShipped("database-outage", jdbcUrl(), broker.url());
        bridge.awaitStarted(TIMEOUT);
    }

    @AfterAll
    void stop() throws IOException {
        if (bridge != null) {
            bridge.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aDatabaseOutageMidBacklogResendsAtMostOneBatchAndSaysSoInTwoLines() throws Exception {
        try (EventRecorder recorder = new EventRecorder(broker.url(), "nemo/events/outage")) {
            // the backlog: one transaction, event i on tool i % TOOLS with the tool's own sequence number
            execute("SELECT count(mqtt_bridge.enqueue('outage', jsonb_build_object('tool', 1 + i % " + TOOLS + ", 'seq', i / " + TOOLS
                    + ", 'i', i), 1 + i % " + TOOLS + ")) FROM generate_series(0, " + (BACKLOG - 1) + ") i");
            long logBefore = Files.size(bridge.log());
            awaitTrue(() -> recorder.distinct() >= 2 * BATCH, "the drain under way");

            int port = postgres.getPort();
            postgres.close();
            Thread.sleep(5000);
            postgres = EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
            long faultEnd = System.nanoTime();

            recorder.awaitDistinct(BACKLOG, TIMEOUT);
            // late redeliveries would still be duplicates: give them a moment to show
            Thread.sleep(2000);
            assertThat(bridge.isAlive()).as("bridge alive, else: %s", bridge.isAlive() ? "" : bridge.exitReason()).isTrue();
            FaultFigures figures = FaultFigures.of("PostgreSQL down 5 s mid-backlog", BACKLOG, recorder.arrivals(), faultEnd,
                    recorder.firstArrivalAfter(faultEnd), 0, IN_FLIGHT);
            figures.report();
            List<String> since = linesSince(Files.readAllLines(bridge.log()), logBefore);
            System.out.println("OUTAGE log:\n  " + String.join("\n  ", since));

            assertThat(recorder.problems()).as("malformed messages").isEmpty();
            assertThat(figures.lost()).as("lost").isZero();
            assertThat(figures.orderViolations()).as("per-tool order violations").isZero();
            assertThat(figures.duplicates()).as("duplicates: the batch in hand is marked, not sent again").isLessThanOrEqualTo(IN_FLIGHT);
            awaitTrue(() -> queryInt("SELECT count(*) FROM mqtt_bridge.outbox WHERE status <> 'published'") == 0, "every row marked");

            assertThat(since).as("no stack trace, no error").noneMatch(l -> l.startsWith("\tat ")).noneMatch(l -> l.contains(" ERROR "));
            // the publishing side says once that the database went and once that it is back: the
            // leadership (a PostgreSQL lock) goes with the database; the drain, when it met the
            // outage first, pauses once and resumes once; no batch was left behind
            assertThat(lines(since, "No longer leader for 'bridge' (database connection lost")).as("one line: leadership lost").isEqualTo(1);
            assertThat(lines(since, "Leader for 'bridge'")).as("one line: leading again").isEqualTo(1);
            assertThat(lines(since, "outbox-drain paused")).as("at most one line: the drain paused").isLessThanOrEqualTo(1);
            assertThat(lines(since, "outbox-drain resumed")).as("the drain resumed as often as it paused")
                    .isEqualTo(lines(since, "outbox-drain paused"));
            assertThat(lines(since, "outbox-drain stopped before its batch was done")).as("no batch abandoned").isZero();
        }
    }

    private static long lines(List<String> log, String text) {
        return log.stream().filter(l -> l.contains(text)).count();
    }

    /** The log's lines written after the given byte offset. */
    private static List<String> linesSince(List<String> all, long offset) {
        long at = 0;
        int first = 0;
        for (String line : all) {
            if (at >= offset) {
                break;
            }
            at += line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
            first++;
        }
        return all.subList(first, all.size());
    }

    private String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private int queryInt(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getInt(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + TIMEOUT;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as(what + " within " + TIMEOUT + " ms").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
