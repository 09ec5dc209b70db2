package org.nemo.bridge.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RoutePolicySupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.cluster.Leadership;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.mqtt.BrokerSettings;
import org.nemo.bridge.mqtt.BrokerUnavailableException;
import org.nemo.bridge.mqtt.MqttBatchComponent;
import org.nemo.bridge.mqtt.MqttBatchHeaders;
import org.nemo.bridge.mqtt.OutboundMqttClient;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox drain's own logic, as routes/outbox.yaml and routes/outbound-errors.yaml say it,
 * with no database and no broker: the {@code sql:} endpoints and {@code mqtt-batch:} are mocks
 * that answer as PostgreSQL and the broker would, and the drain is started by hand instead of
 * by the doorbell. End to end on real servers: {@link DrainRouteTest}.
 */
class DrainLogicTest {

    private static final String FETCH = "mock:sql:classpath:sql/outbox/fetch-pending.sql";
    private static final String MARK = "mock:sql:classpath:sql/outbox/mark-published-batch.sql";
    private static final String DEAD = "mock:sql:classpath:sql/outbox/mark-dead.sql";
    private static final String PUBLISH = "mock:mqtt-batch:outbox";
    private static final String AGAIN = "mock:seda:outbox-drain";

    /** What the filter {@code ${bean:leadership?method=isLeader}} asks; also the drain's route policy. */
    public static final class Leader extends RoutePolicySupport {
        volatile boolean leading = true;

        public boolean isLeader() {
            return leading;
        }
    }

    /** What the drain's first step asks: the broker connection, up or not. */
    public static final class Connection {
        volatile boolean up = true;
        final AtomicInteger asked = new AtomicInteger();

        public void requireConnected() throws BrokerUnavailableException {
            asked.incrementAndGet();
            if (!up) {
                throw new BrokerUnavailableException("no connection to the MQTT broker");
            }
        }
    }

    private final Leader leader = new Leader();
    private final Connection connection = new Connection();
    private DefaultCamelContext camel;
    private ProducerTemplate drain;
    /** Rows the broker refuses (a PUBACK reason code of 0x80 or more). */
    private Set<Long> brokerRefuses = Set.of();
    private List<Map<String, Object>> pending = List.of();

    @BeforeEach
    void startTheRoutes() throws Exception {
        camel = new DefaultCamelContext();
        Properties settings = new Properties();
        settings.put("bridge.outbox.batch-size", "500");
        settings.put("bridge.outbox.batch-max-bytes", "4194304");
        settings.put("bridge.mqtt.max-payload-bytes", "262144");
        settings.put("bridge.outbox.listen-max-bytes", "4194304");
        settings.put("bridge.outbox.poll-interval", "1000");
        settings.put("bridge.outbox.retry-initial-delay", "10");
        settings.put("bridge.outbox.retry-max-delay", "50");
        camel.getPropertiesComponent().setInitialProperties(settings);

        camel.getRegistry().bind("leadership", leader);
        camel.getRegistry().bind("brokerConnection", connection);
        camel.getRegistry().bind("outboxDrainState", new OutboxDrainState());
        camel.getRegistry().bind("outboxMetrics", new OutboxMetrics(new SimpleMeterRegistry()));
        camel.getRegistry().bind("toolMessages", new ToolMessages(new ObjectMapper(), new TopicMap("nemo",
                Map.of("default", "events/{event_type}", "tool_state", "tools/{tool_id}/state"), List.of(), false, Map.of())));
        // the mocked endpoints are still created: camel-sql wants a DataSource, mqtt-batch its connection (neither is used)
        camel.getRegistry().bind("dataSource", new PGSimpleDataSource());
        camel.addComponent("mqtt-batch", new MqttBatchComponent(unusedConnection(), new Leadership(new SimpleMeterRegistry(),
                Duration.ofSeconds(1))));

        for (String file : List.of("routes/outbound-errors.yaml", "routes/outbox.yaml")) {
            PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.resolveMandatoryResource(camel, "file:" + file));
        }
        AdviceWith.adviceWith(camel, "outbox-doorbell", route -> route.replaceFromWith("direct:doorbell"));
        AdviceWith.adviceWith(camel, "outbox-poll", route -> route.replaceFromWith("direct:poll"));
        AdviceWith.adviceWith(camel, "outbox-drain", route -> {
            route.replaceFromWith("direct:drain");
            route.mockEndpointsAndSkip("sql:*", "mqtt-batch:*", "seda:*");
        });
        camel.start();
        drain = camel.createProducerTemplate();

        mock(FETCH).whenAnyExchangeReceived(e -> e.getMessage().setBody(pending));
        mock(PUBLISH).whenAnyExchangeReceived(this::brokerAnswers);
        mock(MARK).whenAnyExchangeReceived(e -> e.getMessage().setBody(List.of(Map.of("created_at", Instant.now()))));
    }

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    @Test
    void onlyTheRowsTheBrokerAcknowledgedAreMarkedAndARefusedOneGoesDeadWithTheReason() throws Exception {
        pending = List.of(row(1, "{\"n\":1}"), row(2, "{\"n\":2}"), row(3, "{\"n\":3}"));
        brokerRefuses = Set.of(2L);
        mock(MARK).expectedMessageCount(1);
        mock(DEAD).expectedMessageCount(1);

        drain.sendBody("direct:drain", null);

        mock(MARK).assertIsSatisfied();
        mock(DEAD).assertIsSatisfied();
        assertThat(mock(MARK).getReceivedExchanges().get(0).getProperty("publishedIds")).isEqualTo("1,3");
        Map<?, ?> dead = mock(DEAD).getReceivedExchanges().get(0).getMessage().getBody(Map.class);
        assertThat(dead.get("row")).isEqualTo(2L);
        assertThat(String.valueOf(dead.get("reason"))).contains("0x87");
        assertThat(mock(AGAIN).getReceivedCounter()).as("no more pending: no second drain").isZero();
    }

    @Test
    void aRowThatCanNeverBeAMessageIsHandedToMqttBatchWithItsProblemAndSentNothingOf() throws Exception {
        pending = List.of(row(1, "[1,2]"), row(2, "{\"n\":2}"));

        drain.sendBody("direct:drain", null);

        List<Message> batch = batchPublished();
        assertThat(batch).hasSize(2);
        assertThat(batch.get(0).getHeader(MqttBatchHeaders.ROW)).isEqualTo(1L);
        assertThat(batch.get(0).getHeader(MqttBatchHeaders.PROBLEM, String.class)).isEqualTo("payload is not a JSON object");
        assertThat(batch.get(0).getBody()).as("nothing marshalled for it").isNull();
        assertThat(batch.get(1).getHeader(MqttBatchHeaders.TOPICS)).isEqualTo(List.of("nemo/events/drain_logic"));
        assertThat(batch.get(1).getBody(String.class)).contains("\"n\":2");
        assertThat(mock(MARK).getReceivedExchanges().get(0).getProperty("publishedIds")).isEqualTo("2");
        assertThat(mock(DEAD).getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aFullBatchDrainsAgain() throws Exception {
        Map<String, Object> first = row(1, "{}");
        first.put("more_pending", true);
        pending = List.of(first);

        drain.sendBody("direct:drain", null);

        assertThat(mock(AGAIN).getReceivedCounter()).isEqualTo(1);
    }

    @Test
    void aFollowerFetchesAndPublishesNothing() throws Exception {
        leader.leading = false;
        pending = List.of(row(1, "{}"));

        // direct: all the way: when the send returns, the drain is done
        drain.sendBody("direct:drain", null);

        assertThat(mock(FETCH).getReceivedCounter()).isZero();
        assertThat(mock(PUBLISH).getReceivedCounter()).isZero();
        assertThat(mock(MARK).getReceivedCounter()).isZero();
        assertThat(connection.asked).as("a follower does not even ask for the broker").hasValue(0);
    }

    @Test
    void withoutABrokerNothingIsFetchedAndTheDrainAsksAgainUntilItIsBack() throws Exception {
        CompletableFuture<Object> attempt = drainWithoutBrokerUntilAsked(5);
        assertThat(mock(FETCH).getReceivedCounter()).as("fetched while no broker").isZero();
        assertThat(attempt).isNotDone();

        connection.up = true;
        attempt.get(10, TimeUnit.SECONDS);
        assertThat(mock(FETCH).getReceivedCounter()).isEqualTo(1);
        assertThat(mock(MARK).getReceivedExchanges().get(0).getProperty("publishedIds")).isEqualTo("1");
    }

    @Test
    void aLeaderWaitingForTheBrokerStopsWaitingWhenItLosesLeadershipAndFetchesNothing() throws Exception {
        CompletableFuture<Object> attempt = drainWithoutBrokerUntilAsked(3);
        leader.leading = false;

        // the wait ends with the broker's error (the drain's consumer logs it in one line), nothing fetched
        assertThat(attempt).failsWithin(Duration.ofSeconds(10))
                .withThrowableOfType(ExecutionException.class)
                .havingRootCause().isInstanceOf(BrokerUnavailableException.class);
        int asked = connection.asked.get();
        Thread.sleep(100);
        assertThat(connection.asked).as("a follower does not ask again").hasValue(asked);
        assertThat(mock(FETCH).getReceivedCounter()).isZero();
        assertThat(mock(PUBLISH).getReceivedCounter()).isZero();
    }

    /** A drain of one pending row while the broker is away, once it asked for the broker so many times. */
    private CompletableFuture<Object> drainWithoutBrokerUntilAsked(int times) throws InterruptedException {
        connection.up = false;
        pending = List.of(row(1, "{}"));
        CompletableFuture<Object> attempt = drain.asyncRequestBody("direct:drain", null);
        long deadline = System.currentTimeMillis() + 10_000;
        while (connection.asked.get() < times) {
            assertThat(System.currentTimeMillis()).as("the drain asks again").isLessThan(deadline);
            Thread.sleep(5);
        }
        return attempt;
    }

    /** As the broker answers a batch: every row acknowledged but those it refuses, and those with a problem. */
    private void brokerAnswers(Exchange exchange) {
        List<Object> acknowledged = new ArrayList<>();
        List<Map<String, Object>> refused = new ArrayList<>();
        for (Message message : batchOf(exchange)) {
            Object row = message.getHeader(MqttBatchHeaders.ROW);
            String problem = message.getHeader(MqttBatchHeaders.PROBLEM, String.class);
            if (problem == null && brokerRefuses.contains(row)) {
                problem = "broker rejected the message with reason code 0x87 (not authorized)";
            }
            if (problem != null) {
                refused.add(Map.of("row", row, "topic", "nemo/events/drain_logic", "reason", problem));
            } else if (!acknowledged.contains(row)) {
                acknowledged.add(row);
            }
        }
        acknowledged.removeIf(row -> refused.stream().anyMatch(r -> r.get("row").equals(row)));
        exchange.getMessage().setHeader(MqttBatchHeaders.ACKNOWLEDGED, acknowledged);
        exchange.getMessage().setHeader(MqttBatchHeaders.REFUSED, refused);
    }

    @SuppressWarnings("unchecked")
    private static List<Message> batchOf(Exchange exchange) {
        return exchange.getMessage().getBody(List.class);
    }

    private List<Message> batchPublished() {
        assertThat(mock(PUBLISH).getReceivedCounter()).isEqualTo(1);
        return batchOf(mock(PUBLISH).getReceivedExchanges().get(0));
    }

    private MockEndpoint mock(String uri) {
        return camel.getEndpoint(uri, MockEndpoint.class);
    }

    /** An outbox row as fetch-pending.sql returns it. */
    private static Map<String, Object> row(long id, String payload) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", id);
        row.put("event_id", UUID.randomUUID().toString());
        row.put("event_type", "drain_logic");
        row.put("tool_id", null);
        row.put("topic", null);
        row.put("payload", payload);
        row.put("states", null);
        row.put("created_at", Instant.now());
        row.put("dead_reason", null);
        row.put("more_pending", false);
        return row;
    }

    private static BrokerConnection unusedConnection() throws Exception {
        BridgeProperties.Mqtt mqtt = new BridgeProperties.Mqtt("tcp://127.0.0.1:1", null, null, "test",
                BridgeProperties.ConfigSource.PROPERTIES, null, "nemo", 30, Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofSeconds(5), 262144, new BridgeProperties.Mqtt.Tls(null, null, null, true, null), Duration.ofSeconds(2));
        return new BrokerConnection(new OutboundMqttClient(mqtt.brokerUrl(), "test-" + UUID.randomUUID(), 1000, 262144),
                BrokerSettings.fromProperties(mqtt.brokerUrl(), mqtt), mqtt, List.of("outbox-drain"), switched -> { });
    }
}
