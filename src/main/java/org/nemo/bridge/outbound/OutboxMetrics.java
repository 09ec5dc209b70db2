package org.nemo.bridge.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The outbox as ops see it (DESIGN §9): pending, lag, dead, published by outcome, latency. */
public class OutboxMetrics {

    private final Counter published;
    private final Counter dead;
    private final Timer latency;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong deadRows = new AtomicLong();
    private final AtomicLong lagMillis = new AtomicLong();

    public OutboxMetrics(MeterRegistry registry) {
        published = Counter.builder("nemo.outbox.published").tag("outcome", "published")
                .description("Outbox events acknowledged by the broker").register(registry);
        dead = Counter.builder("nemo.outbox.published").tag("outcome", "dead")
                .description("Outbox events the broker rejected or that could not be serialized").register(registry);
        latency = Timer.builder("nemo.publish.latency").description("From the event's commit to the broker's PUBACK")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        Gauge.builder("nemo.outbox.pending", pending, AtomicLong::get).description("Events waiting to be published").register(registry);
        Gauge.builder("nemo.outbox.dead", deadRows, AtomicLong::get).description("Events kept as dead").register(registry);
        Gauge.builder("nemo.outbox.lag", lagMillis, v -> v.get() / 1000.0).baseUnit("seconds")
                .description("Age of the oldest pending event").register(registry);
    }

    /** After a batch was acknowledged and marked: the rows the UPDATE marked, each with its created_at. */
    public void published(List<Map<String, Object>> marked) {
        Instant now = Instant.now();
        published.increment(marked.size());
        for (Map<String, Object> row : marked) {
            Object createdAt = row.get("created_at");
            if (createdAt != null) {
                latency.record(Duration.between(ToolMessages.instant(createdAt), now));
            }
        }
    }

    public void dead() {
        dead.increment();
    }

    /** From the periodic outbox census: {pending, dead, lag_ms}. */
    public void census(Map<String, Object> row) {
        pending.set(number(row.get("pending")));
        deadRows.set(number(row.get("dead")));
        lagMillis.set(number(row.get("lag_ms")));
    }

    public long pending() {
        return pending.get();
    }

    public long deadRows() {
        return deadRows.get();
    }

    public double lagSeconds() {
        return lagMillis.get() / 1000.0;
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }
}
