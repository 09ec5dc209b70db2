package org.nemo.bridge.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workload, as NEMO and its neighbours write it: every third event a usage row inserted
 * (tool enabled) or ended (tool disabled) so that NEMO's trigger fills the outbox, every third
 * an {@code mqtt_bridge.enqueue()} call, every third a row in the plugin's queue table with its
 * NOTIFY, as the plugin's own publisher writes it. Each
 * producer thread has its own connection and its own tools; the commit time of every event is
 * noted right after COMMIT returns.
 */
final class Load implements AutoCloseable {

    private static final int MAX_THREADS = 4;

    private final List<Integer> tools;
    private final List<Integer> users;
    private final Recorder recorder;
    private final Producer[] producers = new Producer[MAX_THREADS];
    private final AtomicLong seq = new AtomicLong();
    private final String url;

    Load(String url, List<Integer> tools, List<Integer> users, Recorder recorder) throws SQLException {
        this.url = url;
        this.tools = tools;
        this.users = users;
        this.recorder = recorder;
        for (int i = 0; i < MAX_THREADS; i++) {
            producers[i] = new Producer(i);
        }
    }

    /** Enqueues a probe until it arrives: the subject is up, leading and listening. Returns ms since the call. */
    long awaitReady(Bench.Subject subject, int timeoutSeconds) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!subject.alive()) {
                throw new IllegalStateException("the subject exited; see target/bench/*.log");
            }
            Map<String, Long> commits = new HashMap<>();
            producers[0].event(1, commits);
            producers[0].connection.commit();
            String key = commits.keySet().iterator().next();
            long probeDeadline = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < probeDeadline) {
                if (recorder.received.containsKey(key)) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("the subject published nothing within " + timeoutSeconds + " s");
    }

    /** Events at a steady rate, one per transaction, spread over {@code threads} producers. */
    Map<String, Object> steady(int perSecond, int seconds, int threads, Sampler sampler) throws Exception {
        Map<String, Long> commits = new ConcurrentHashMap<>();
        long periodNanos = 1_000_000_000L * threads / perSecond;
        sampler.begin();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Producer producer = producers[t];
            long first = start + periodNanos * t / threads;
            running.add(started(() -> {
                long next = first;
                int i = 0;
                try {
                    while (next < end) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        Map<String, Long> one = new HashMap<>(2);
                        producer.event(i++, one);
                        producer.connection.commit();
                        long committed = System.nanoTime();
                        one.keySet().forEach(k -> commits.put(k, committed));
                        next += periodNanos;
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread thread : running) {
            thread.join();
        }
        double offered = commits.size() / ((System.nanoTime() - start) / 1e9);
        awaitAll(commits, 60);
        Map<String, Object> m = latency(commits);
        m.put("offeredPerSecond", Math.round(offered));
        m.putAll(sampler.end());
        cpuPerEvent(m, commits.size());
        m.put("load", Bench.Machine.loadAverage());
        return m;
    }

    /** As fast as {@code threads} producers go, {@code perTransaction} events per commit; delivered rate end to end. */
    Map<String, Object> flood(int seconds, int threads, int perTransaction, Sampler sampler) throws Exception {
        Map<String, Long> commits = new ConcurrentHashMap<>();
        sampler.begin();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Producer producer = producers[t];
            running.add(started(() -> {
                int i = 0;
                try {
                    while (System.nanoTime() < end) {
                        Map<String, Long> batch = new HashMap<>(perTransaction * 2);
                        for (int n = 0; n < perTransaction; n++) {
                            producer.event(i++, batch);
                        }
                        producer.connection.commit();
                        long committed = System.nanoTime();
                        batch.keySet().forEach(k -> commits.put(k, committed));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread thread : running) {
            thread.join();
        }
        long produced = commits.size();
        double producedSeconds = (System.nanoTime() - start) / 1e9;
        awaitAll(commits, 300);
        double deliveredSeconds = (recorder.lastReceipt.get() - start) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events", produced);
        m.put("offeredPerSecond", Math.round(produced / producedSeconds));
        m.put("deliveredPerSecond", Math.round(produced / deliveredSeconds));
        m.put("lastDeliveredAfterS", Math.round(deliveredSeconds * 100) / 100.0);
        m.putAll(latency(commits));
        m.putAll(sampler.end());
        cpuPerEvent(m, produced);
        m.put("load", Bench.Machine.loadAverage());
        return m;
    }

    /** {@code rows} events committed in one transaction (an outage's backlog), then drained. */
    Map<String, Object> backlog(int rows, Sampler sampler) throws Exception {
        int third = rows / 3;
        int rest = rows - 2 * third;
        long first = seq.getAndAdd(rows) + 1;
        int tool0 = tools.get(0);
        Connection c = producers[0].connection;
        long usageBefore;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM \"NEMO_usageevent\"")) {
            rs.next();
            usageBefore = rs.getLong(1);
        }
        try (Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO \"NEMO_usageevent\" (user_id, operator_id, tool_id, start) SELECT " + users.get(0) + ", "
                    + users.get(0) + ", " + tool0 + " + g % " + tools.size() + ", clock_timestamp() FROM generate_series(1, "
                    + third + ") g");
            s.executeQuery("SELECT count(mqtt_bridge.enqueue('bench_event', jsonb_build_object('bench_seq', g), " + tool0 + " + (g % "
                    + tools.size() + ")::int, NULL)) FROM generate_series(" + first + ", " + (first + third - 1) + ") g").close();
            s.executeQuery("WITH q AS (INSERT INTO nemo_mqtt_mqtt_eventqueue (topic, payload, qos, retain, processed, created_at) "
                    + "SELECT 'nemo/bench/plugin', json_build_object('bench_seq', g)::text, 1, false, false, now() FROM generate_series("
                    + (first + third) + ", " + (first + third + rest - 1) + ") g RETURNING id) "
                    + "SELECT count(pg_notify('nemo_mqtt_events', id::text)) FROM q").close();
        }
        Map<String, Long> commits = new HashMap<>(rows * 2);
        sampler.begin();
        c.commit();
        long committed = System.nanoTime();
        // when the subject had marked every row done, apart from when the subscriber had them all
        AtomicLong marked = new AtomicLong();
        Thread watcher = started(() -> {
            try (Connection w = DriverManager.getConnection(url, "postgres", ""); Statement s = w.createStatement()) {
                while (!Thread.currentThread().isInterrupted()) {
                    try (ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM mqtt_bridge.outbox WHERE status = 'pending')"
                            + " + (SELECT count(*) FROM nemo_mqtt_mqtt_eventqueue WHERE processed = false)")) {
                        rs.next();
                        if (rs.getLong(1) == 0) {
                            marked.set(System.nanoTime());
                            return;
                        }
                    }
                    // the two counts cost PostgreSQL ~15 ms during a backlog: polled every 20 ms they took
                    // most of a core from the subject on a 2-core machine; 250 ms is resolution enough
                    Thread.sleep(250);
                }
            } catch (SQLException | InterruptedException e) {
                // no figure, then
            }
        });
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM \"NEMO_usageevent\" WHERE id > " + usageBefore)) {
            while (rs.next()) {
                commits.put("u" + rs.getLong(1) + "+", committed);
            }
        }
        c.commit();
        for (long g = first; g < first + third; g++) {
            commits.put("e" + g, committed);
        }
        for (long g = first + third; g < first + third + rest; g++) {
            commits.put("p" + g, committed);
        }
        boolean complete = awaitAll(commits, Integer.getInteger("bench.backlog-wait", 600));
        long last = commits.keySet().stream().map(recorder.received::get).filter(v -> v != null).mapToLong(Long::longValue).max()
                .orElse(committed);
        double drainSeconds = (last - committed) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rows", commits.size());
        m.put("complete", complete);
        m.put("drainSeconds", Math.round(drainSeconds * 100) / 100.0);
        m.put("drainPerSecond", Math.round(commits.size() / drainSeconds));
        watcher.join(10_000);
        watcher.interrupt();
        if (marked.get() != 0) {
            m.put("allMarkedSeconds", Math.round((marked.get() - committed) / 1e7) / 100.0);
        }
        m.putAll(sampler.end());
        cpuPerEvent(m, commits.size());
        m.put("load", Bench.Machine.loadAverage());
        return m;
    }

    /** The subject's CPU time over the phase divided by the phase's events, in microseconds. */
    private static void cpuPerEvent(Map<String, Object> m, long events) {
        if (events > 0) {
            m.put("cpuMicrosPerEvent", Math.round(((Number) m.get("cpuSeconds")).doubleValue() * 1e7 / events) / 10.0);
        }
    }

    private static Thread started(Runnable body) {
        Thread thread = new Thread(body, "bench-producer");
        thread.start();
        return thread;
    }

    private boolean awaitAll(Map<String, Long> commits, int timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (commits.keySet().stream().allMatch(recorder.received::containsKey)) {
                return true;
            }
            Thread.sleep(50);
        }
        List<String> missing = commits.keySet().stream().filter(k -> !recorder.received.containsKey(k)).sorted().toList();
        System.err.println("bench: " + missing.size() + " of " + commits.size() + " events not received, e.g. "
                + missing.subList(0, Math.min(10, missing.size())));
        return false;
    }

    private Map<String, Object> latency(Map<String, Long> commits) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("events", commits.size());
        m.putAll(percentiles(commits, ""));
        Map<String, Object> bySource = new LinkedHashMap<>();
        bySource.put("nemoTrigger", percentiles(commits, "u"));
        bySource.put("enqueue", percentiles(commits, "e"));
        bySource.put("pluginQueue", percentiles(commits, "p"));
        m.put("bySource", bySource);
        return m;
    }

    private Map<String, Object> percentiles(Map<String, Long> commits, String prefix) {
        List<Long> nanos = new ArrayList<>();
        int missing = 0;
        for (Map.Entry<String, Long> e : commits.entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            Long at = recorder.received.get(e.getKey());
            if (at == null) {
                missing++;
            } else {
                nanos.add(at - e.getValue());
            }
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50Ms", ms(sorted, 0.50));
        m.put("p90Ms", ms(sorted, 0.90));
        m.put("p99Ms", ms(sorted, 0.99));
        m.put("maxMs", ms(sorted, 1.0));
        m.put("missing", missing);
        return m;
    }

    private static double ms(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return Math.round(sorted[Math.max(0, i)] / 10_000.0) / 100.0;
    }

    @Override
    public void close() throws SQLException {
        for (Producer p : producers) {
            p.connection.close();
        }
    }

    /** One producer: its connection, and the tools it alone enables and disables. */
    private final class Producer {
        final Connection connection;
        private final List<Integer> ownTools = new ArrayList<>();
        private final Map<Integer, Long> openUsage = new HashMap<>();
        private final PreparedStatement enable;
        private final PreparedStatement disable;
        private final PreparedStatement enqueue;
        private final PreparedStatement plugin;
        private final int user;

        Producer(int index) throws SQLException {
            connection = DriverManager.getConnection(url, "postgres", "");
            connection.setAutoCommit(false);
            for (int i = index; i < tools.size(); i += MAX_THREADS) {
                ownTools.add(tools.get(i));
            }
            user = users.get(index % users.size());
            enable = connection.prepareStatement("INSERT INTO \"NEMO_usageevent\" (user_id, operator_id, tool_id, start) "
                    + "VALUES (?, ?, ?, clock_timestamp()) RETURNING id");
            disable = connection.prepareStatement("UPDATE \"NEMO_usageevent\" SET \"end\" = clock_timestamp() WHERE id = ?");
            enqueue = connection.prepareStatement("SELECT mqtt_bridge.enqueue('bench_event', ?::jsonb, ?, NULL)");
            // as the plugin's db_publisher does: the row, and a NOTIFY on the events channel in the same transaction
            plugin = connection.prepareStatement("WITH q AS (INSERT INTO nemo_mqtt_mqtt_eventqueue (topic, payload, qos, retain, processed, created_at) "
                    + "VALUES ('nemo/bench/plugin', ?, 1, false, false, now()) RETURNING id) "
                    + "SELECT pg_notify('nemo_mqtt_events', id::text) FROM q");
        }

        /** Writes event number {@code i} of this producer (not committed) and notes its key. */
        void event(int i, Map<String, Long> keys) throws SQLException {
            int tool = ownTools.get((i / 3) % ownTools.size());
            switch (i % 3) {
                case 0 -> {
                    Long open = openUsage.remove(tool);
                    if (open != null) {
                        disable.setLong(1, open);
                        disable.executeUpdate();
                        keys.put("u" + open + "-", 0L);
                    } else {
                        enable.setInt(1, user);
                        enable.setInt(2, user);
                        enable.setInt(3, tool);
                        try (ResultSet rs = enable.executeQuery()) {
                            rs.next();
                            long id = rs.getLong(1);
                            openUsage.put(tool, id);
                            keys.put("u" + id + "+", 0L);
                        }
                    }
                }
                case 1 -> {
                    long n = seq.incrementAndGet();
                    enqueue.setString(1, "{\"bench_seq\":" + n + "}");
                    enqueue.setInt(2, tool);
                    enqueue.executeQuery().close();
                    keys.put("e" + n, 0L);
                }
                default -> {
                    long n = seq.incrementAndGet();
                    plugin.setString(1, "{\"bench_seq\":" + n + "}");
                    plugin.executeQuery().close();
                    keys.put("p" + n, 0L);
                }
            }
        }
    }
}
