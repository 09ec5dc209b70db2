package org.nemo.bridge.crash;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backlog of large NEMO problem reports under the shipped JVM flags (issue 14, item 3): the
 * bridge runs as its own JVM with docker/Dockerfile's 128 MB heap and exit on
 * OutOfMemoryError, and while it is cut off from the broker NEMO commits, in one transaction,
 * 40 tasks with 2.5 MB problem descriptions (over the per-row limit: they go dead, never
 * loaded) and 150 with 200 KB ones (under it: published, a byte-bounded batch at a time), then
 * an ordinary usage event. Once the broker is back the bridge is still alive, every row ended
 * as the limits say, and the usage event arrived behind them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LargeProblemReportsTest {

    private static final int HUGE = 40;
    private static final int LARGE = 150;
    private static final Duration ARRIVAL = Duration.ofSeconds(180);

    private String database;
    private TestBroker broker;
    private TcpProxy proxy;
    private BridgeProcess bridge;

    @BeforeAll
    void start() throws InterruptedException {
        database = TestDatabase.create("large_problem_reports");
        broker = TestBroker.local();
        proxy = new TcpProxy(URI.create(broker.url()).getPort());
        bridge = BridgeProcess.startShipped("large-problem-reports", database, proxy.url());
        bridge.awaitStarted(240_000);
    }

    @AfterAll
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aBacklogOfLargeProblemReportsNeitherEndsTheBridgeNorHoldsUpTheEventsBehindIt() throws Exception {
        DataSource dataSource = TestDatabase.dataSource(database);
        NemoLab lab = new NemoLab(dataSource);
        JdbcTemplate db = lab.db();
        int tool = lab.tool("Furnace");
        int user = lab.user("Rosalind", "Franklin");
        awaitTrue(() -> db.queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE status = 'pending'", Integer.class) == 0);

        try (Subscriber display = new Subscriber(broker.url(), "nemo/tools/" + tool + "/#")) {
            proxy.cut();
            String huge = "h".repeat(2_500_000);
            String large = "l".repeat(200_000);
            new TransactionTemplate(new DataSourceTransactionManager(dataSource)).executeWithoutResult(s -> {
                for (int i = 0; i < HUGE; i++) {
                    lab.task(tool, huge, false);
                }
                for (int i = 0; i < LARGE; i++) {
                    lab.task(tool, large, false);
                }
            });
            lab.enable(tool, user);
            // the backlog waits while the broker is away
            Thread.sleep(5000);
            assertThat(bridge.isAlive()).as("bridge alive with the backlog pending, else: %s", exitReasonOf(bridge)).isTrue();
            proxy.restore();

            long deadline = System.currentTimeMillis() + ARRIVAL.toMillis();
            while (display.on("nemo/tools/" + tool + "/enabled").isEmpty()) {
                assertThat(bridge.isAlive()).as("bridge alive while the backlog drains, else: %s", exitReasonOf(bridge)).isTrue();
                assertThat(System.currentTimeMillis()).as("the usage event behind the backlog within " + ARRIVAL).isLessThan(deadline);
                Thread.sleep(500);
            }
            List<Received> tasks = display.await(r -> r.topic().endsWith("/tasks"), LARGE, Duration.ofSeconds(30));
            assertThat(tasks).hasSize(LARGE).allMatch(r -> r.json().path("problem_description").asText().length() == large.length());
            assertThat(tasks).extracting(r -> r.json().path("task_id").asInt()).isSorted();
            List<String> reasons = db.queryForList("SELECT last_error FROM mqtt_bridge.outbox WHERE status = 'dead' ORDER BY id", String.class);
            assertThat(reasons).hasSize(HUGE).allMatch(r -> r.contains("over bridge.mqtt.max-payload-bytes (262144)"));
            System.out.println("LARGE dead: " + reasons.get(0));
            assertThat(db.queryForObject("SELECT count(*) FROM mqtt_bridge.outbox WHERE status = 'pending'", Integer.class)).isZero();
            assertThat(bridge.isAlive()).as("bridge alive after the backlog, else: %s", exitReasonOf(bridge)).isTrue();
        } finally {
            proxy.restore();
        }
    }

    private static String exitReasonOf(BridgeProcess bridge) {
        return bridge.isAlive() ? "alive" : bridge.exitReason();
    }

    private void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!condition.getAsBoolean()) {
            assertThat(System.currentTimeMillis()).as("condition within 60 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
