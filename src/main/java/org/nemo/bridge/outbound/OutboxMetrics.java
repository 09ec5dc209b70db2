package org.nemo.bridge.outbound;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The outbox as ops see it: pending, lag, dead, and per source (outbox, plugin-queue) published by outcome and latency. */
public class OutboxMetrics {

    static final String OUTBOX = "outbox";

    private final MeterRegistry registry;
    /** Per source (outbox, plugin-queue): published and dead counters, and the commit → PUBACK latency. */
    private final Map<String, Source> sources = new ConcurrentHashMap<>();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong deadRows = new AtomicLong();
    private final AtomicLong lagMillis = new AtomicLong();

    public OutboxMetrics(MeterRegistry registry) {
        this.registry = registry;
        source(OUTBOX);
        Gauge.builder("nemo.outbox.pending", pending, AtomicLong::get).description("Events waiting to be published").register(registry);
        Gauge.builder("nemo.outbox.dead", deadRows, AtomicLong::get).description("Events kept as dead").register(registry);
        Gauge.builder("nemo.outbox.lag", lagMillis, v -> v.get() / 1000.0).baseUnit("seconds")
                .description("Age of the oldest pending event").register(registry);
    }

    /**
     * After a drain's batch was acknowledged and marked: the rows the UPDATE marked, each with its
     * created_at; {@code source} is the drain's queue, {@code outbox} or {@code plugin-queue} (the {@code source} tag).
     */
    public void published(List<Map<String, Object>> marked, String source) {
        Source meters = source(source);
        Instant now = Instant.now();
        meters.published.increment(marked.size());
        for (Map<String, Object> row : marked) {
            Object createdAt = row.get("created_at");
            if (createdAt != null) {
                meters.latency.record(Duration.between(ToolMessages.instant(createdAt), now));
            }
        }
    }

    public void dead(String source) {
        source(source).dead.increment();
    }

    private Source source(String name) {
        return sources.computeIfAbsent(name, this::register);
    }

    private Source register(String source) {
        Counter published = Counter.builder("nemo.outbox.published").tag("outcome", "published").tag("source", source)
                .description("Rows acknowledged by the broker, by source (outbox, plugin-queue)").register(registry);
        Counter dead = Counter.builder("nemo.outbox.published").tag("outcome", "dead").tag("source", source)
                .description("Rows the broker rejected or that could not be published, by source").register(registry);
        Timer latency = Timer.builder("nemo.publish.latency").tag("source", source).description("From the row's commit to the broker's PUBACK")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        return new Source(published, dead, latency);
    }

    private record Source(Counter published, Counter dead, Timer latency) {
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
