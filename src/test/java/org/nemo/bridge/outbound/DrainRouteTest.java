package org.nemo.bridge.outbound;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.cluster.Leadership;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nemo.bridge.support.OutboxRows.awaitStatus;
import static org.nemo.bridge.support.OutboxRows.awaitTrue;
import static org.nemo.bridge.support.OutboxRows.status;

/**
 * The drain's branches, read at the level of its routes (routes/outbox.yaml) as the
 * service runs them against a real PostgreSQL and a private Mosquitto: a row is marked published
 * by the drain's one UPDATE, a row that can never be published goes through the queue's dead
 * route, a broker outage keeps the drain's exchange in redelivery until the broker is back, and
 * an instance that lost leadership drains nothing until it leads again. Mock endpoints are
 * woven in after the mark and the dead route, to see what each branch handled.
 */
@CamelSpringBootTest
@UseAdviceWith
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DrainRouteTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final MosquittoBroker BROKER = new MosquittoBroker();
    private static final String DATABASE = TestDatabase.create("drain_route");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.outbox.poll-interval", () -> "200ms");
        registry.add("bridge.outbox.retry-max-delay", () -> "300");
        registry.add("bridge.cluster.check-interval", () -> "300ms");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    CamelContext camel;

    @Autowired
    DataSource dataSource;

    @Autowired
    Leadership leadership;

    @EndpointInject("mock:published")
    MockEndpoint published;

    @EndpointInject("mock:dead")
    MockEndpoint dead;

    @BeforeEach
    void adviseOnce() throws Exception {
        if (!camel.isStarted()) {
            AdviceWith.adviceWith(camel, "outbox-drain", route -> route
                    .weaveByToString("^to\\[sql:.*mark-published-batch.*").after().to("mock:published"));
            AdviceWith.adviceWith(camel, "outbox-dead", route -> route.weaveAddLast().to("mock:dead"));
            camel.start();
        }
        published.reset();
        dead.reset();
    }

    @Test
    void aRowIsPublishedThenMarkedByTheDrainsOneUpdate() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/#")) {
            NotifyBuilder drained = new NotifyBuilder(camel).fromRoute("outbox-drain").wereSentTo("mock:published").whenDone(1).create();
            long id = lab.enqueue("route_published", "{\"n\":1}", null, null);

            assertThat(drained.matches(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the drain marked a batch").isTrue();
            assertThat(display.awaitOne("nemo/events/route_published", WAIT).json().path("n").asInt()).isEqualTo(1);
            awaitStatus(lab.db(), id, "published");
            assertThat(publishedIds()).contains(String.valueOf(id));
            assertThat(dead.getReceivedCounter()).isZero();
        }
    }

    @Test
    void aRowThatCanNeverBePublishedGoesDeadThroughTheDeadRouteAndTheNextIsPublished() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        dead.expectedMessageCount(1);
        NotifyBuilder deadRoute = new NotifyBuilder(camel).wereSentTo("direct:outbox-dead").whenCompleted(1).create();
        long bad = lab.enqueue("route_dead", "{}", null, "nemo/bad/#");
        long next = lab.enqueue("route_after_dead", "{}", null, null);

        assertThat(deadRoute.matches(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the dead route ran").isTrue();
        dead.assertIsSatisfied(WAIT.toMillis());
        Map<?, ?> row = dead.getReceivedExchanges().get(0).getIn().getBody(Map.class);
        assertThat(row.get("row")).isEqualTo(bad);
        assertThat(String.valueOf(row.get("reason"))).startsWith("invalid topic:");
        awaitStatus(lab.db(), bad, "dead");
        awaitStatus(lab.db(), next, "published");
    }

    @Test
    void whileTheBrokerIsAwayTheDrainIsRedeliveredAndPublishesOnceItIsBack() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        BROKER.stop();
        long id;
        try {
            id = lab.enqueue("route_broker_away", "{}", null, null);
            // the drain's exchange stays in redelivery: in flight, the row pending, nothing marked
            awaitTrue(() -> camel.getInflightRepository().size("outbox-drain") > 0);
            Thread.sleep(1_500);
            assertThat(camel.getInflightRepository().size("outbox-drain")).isPositive();
            assertThat(status(lab.db(), id)).isEqualTo("pending");
            assertThat(publishedIds()).doesNotContain(String.valueOf(id));
        } finally {
            BROKER.start();
        }
        awaitStatus(lab.db(), id, "published");
        assertThat(publishedIds()).contains(String.valueOf(id));
    }

    @Test
    void anInstanceThatLostLeadershipDrainsNothingUntilItLeadsAgain() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        long id;
        // a connection of its own, not the pool's: closing it ends the session and frees the lock
        try (Connection rival = TestDatabase.dataSource(DATABASE).getConnection()) {
            takeLeadership(rival, lab);
            NotifyBuilder marked = new NotifyBuilder(camel).wereSentTo("mock:published").whenDone(1).create();
            NotifyBuilder polled = new NotifyBuilder(camel).fromRoute("outbox-poll").whenDone(3).create();
            id = lab.enqueue("route_not_leader", "{}", null, null);
            // the doorbell rang for the row and the poll three times after it: a leader would have drained it
            assertThat(polled.matches(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the poll ran").isTrue();
            assertThat(marked.matches()).as("a follower marked a batch").isFalse();
            assertThat(status(lab.db(), id)).isEqualTo("pending");
        }
        awaitStatus(lab.db(), id, "published");
        assertThat(publishedIds()).contains(String.valueOf(id));
    }

    @Test
    void aLeaderSteppingDownWaitsForTheBatchInHandOfBothDrains() {
        // the drains run on every instance, behind the leadership filter: the step-down knows them by their route policy
        assertThat(leadership.drains()).containsExactlyInAnyOrder("outbox-drain", "plugin-queue-drain");
    }

    /** Ends the bridge's leader session and holds the advisory lock on the rival connection before it can take it back. */
    private void takeLeadership(Connection rival, NemoLab lab) throws Exception {
        long key = ("mqtt-bridge/bridge").hashCode();
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (System.currentTimeMillis() < deadline) {
            lab.db().queryForList("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'mqtt-bridge-leader'");
            try (PreparedStatement lock = rival.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                lock.setLong(1, key);
                try (ResultSet taken = lock.executeQuery()) {
                    taken.next();
                    if (taken.getBoolean(1)) {
                        // the bridge notices at its next check and stops its drains
                        awaitTrue(() -> !leadership.isLeader());
                        return;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("could not take the advisory lock from the bridge within " + WAIT);
    }

    private List<String> publishedIds() {
        return published.getReceivedExchanges().stream()
                .map(e -> String.valueOf(e.getProperty("publishedIds", String.class)))
                .flatMap(ids -> List.of(ids.split(",")).stream())
                .toList();
    }
}
