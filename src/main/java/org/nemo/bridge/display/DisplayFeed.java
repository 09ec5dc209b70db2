package org.nemo.bridge.display;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.nemo.bridge.wire.WireTime;

/**
 * The Server-Sent Events streams of the open display pages. Each gets the whole board (or its
 * one tool) as {@code snapshot} when it connects, every change as {@code tool}, and a
 * {@code heartbeat} every few seconds so that a page notices a dead stream by its silence.
 *
 * <p>Nobody waits for a page: an event is put into each stream's own bounded queue, and a
 * writer thread of that stream alone sends it. A stream whose queue overflows, or whose write
 * has not finished within {@code bridge.display.write-timeout}, is dropped; its browser
 * reconnects by itself. The number of streams is capped per remote address and in total.
 */
@Component
public class DisplayFeed implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(DisplayFeed.class);

    /** One open page; {@code toolId} null means the whole board. */
    public static final class Subscriber {

        private final SseEmitter emitter;
        private final Integer toolId;
        private final String address;
        private final AtomicBoolean released = new AtomicBoolean();
        // guarded by this
        private final ArrayDeque<Event> queue = new ArrayDeque<>();
        private long queuedBytes;
        private boolean writing;
        private boolean dropped;
        // when the write under way started (System.nanoTime), 0 when none is
        private volatile long writeStartedAt;

        Subscriber(SseEmitter emitter, Integer toolId, String address) {
            this.emitter = emitter;
            this.toolId = toolId;
            this.address = address;
        }

        public SseEmitter emitter() {
            return emitter;
        }

        public Integer toolId() {
            return toolId;
        }

        boolean wants(int id) {
            return toolId == null || toolId == id;
        }
    }

    /** A stream that is not opened, with the status and the reason for the page. */
    public static final class Refused extends RuntimeException {

        private final HttpStatus status;

        Refused(HttpStatus status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public HttpStatus status() {
            return status;
        }
    }

    private record Event(String name, String data) {

        // characters, near enough to bytes for a bound: the data is mostly ASCII JSON
        long bytes() {
            return (long) data.length() + name.length();
        }
    }

    private final ObjectMapper json;
    private final DisplayProperties properties;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    // open streams per remote address, counted from the request until the stream has ended
    private final Map<String, Integer> streams = new HashMap<>();
    private final ThreadPoolTaskExecutor writers = new ThreadPoolTaskExecutor();
    private volatile boolean running;

    public DisplayFeed(ObjectMapper json, DisplayProperties properties, MeterRegistry meters) {
        this.json = json;
        this.properties = properties;
        // beside bridge.display.max-clients: how near the feed is to turning displays away
        Gauge.builder("nemo.display.streams", streams, DisplayFeed::openStreams)
                .description("Display streams open (a dropped one until its connection has closed)").register(meters);
        // a thread per stream that is writing, none for an idle one; a stuck write holds only its own
        writers.setCorePoolSize(1);
        writers.setMaxPoolSize(Math.max(1, properties.maxClients()));
        writers.setQueueCapacity(0);
        writers.setKeepAliveSeconds(30);
        writers.setDaemon(true);
        writers.setThreadNamePrefix("display-writer-");
        writers.initialize();
    }

    /**
     * A stream that never times out by itself: it ends when the page goes away, falls behind,
     * or the server stops. Refused over the caps.
     */
    public Subscriber open(Integer toolId, String address) {
        synchronized (streams) {
            int total = streams.values().stream().mapToInt(Integer::intValue).sum();
            if (total >= properties.maxClients()) {
                throw new Refused(HttpStatus.SERVICE_UNAVAILABLE, "The display feed is full (" + total
                        + " streams, bridge.display.max-clients); this page retries by itself.");
            }
            int fromAddress = streams.getOrDefault(address, 0);
            if (fromAddress >= properties.maxClientsPerAddress()) {
                throw new Refused(HttpStatus.TOO_MANY_REQUESTS, "Too many display streams from this address (" + fromAddress
                        + ", bridge.display.max-clients-per-address); close a page and this one retries by itself.");
            }
            streams.merge(address, 1, Integer::sum);
        }
        SseEmitter emitter = new SseEmitter(0L);
        Subscriber subscriber = new Subscriber(emitter, toolId, address);
        emitter.onCompletion(() -> ended(subscriber));
        emitter.onTimeout(() -> ended(subscriber));
        emitter.onError(e -> ended(subscriber));
        return subscriber;
    }

    private static int openStreams(Map<String, Integer> streams) {
        synchronized (streams) {
            return streams.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    public boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    void add(Subscriber subscriber, Map<Integer, ObjectNode> tools, boolean current) {
        offer(subscriber, new Event("snapshot", snapshotOf(subscriber.toolId(), tools, current)));
        subscribers.add(subscriber);
    }

    void snapshot(Map<Integer, ObjectNode> tools, boolean current) {
        Map<Integer, String> byTool = new HashMap<>();
        String board = null;
        for (Subscriber subscriber : subscribers) {
            String data;
            if (subscriber.toolId() == null) {
                board = board == null ? snapshotOf(null, tools, current) : board;
                data = board;
            } else {
                data = byTool.computeIfAbsent(subscriber.toolId(), id -> snapshotOf(id, tools, current));
            }
            offer(subscriber, new Event("snapshot", data));
        }
    }

    void changed(Collection<ObjectNode> tools) {
        for (ObjectNode tool : tools) {
            int id = tool.path("tool_id").asInt();
            Event event = new Event("tool", write(tool));
            for (Subscriber subscriber : subscribers) {
                if (subscriber.wants(id)) {
                    offer(subscriber, event);
                }
            }
        }
    }

    /** Also where a stream whose write has hung past the write timeout is dropped. */
    void heartbeat(boolean current) {
        ObjectNode beat = json.createObjectNode();
        beat.put("time", now());
        beat.put("current", current);
        Event event = new Event("heartbeat", write(beat));
        long now = System.nanoTime();
        for (Subscriber subscriber : subscribers) {
            long started = subscriber.writeStartedAt;
            if (started != 0 && now - started > properties.writeTimeout().toNanos()) {
                drop(subscriber, "a write took longer than " + properties.writeTimeout().toSeconds() + " s");
            } else {
                offer(subscriber, event);
            }
        }
    }

    /** Ends every stream, as a server restart does; the pages reconnect and catch up by themselves. */
    public void closeAll() {
        for (Subscriber subscriber : subscribers) {
            drop(subscriber, null);
        }
    }

    private void offer(Subscriber subscriber, Event event) {
        boolean overflow;
        boolean start = false;
        synchronized (subscriber) {
            if (subscriber.dropped) {
                return;
            }
            // one event always fits, however large the board: a page must be able to get its snapshot
            overflow = !subscriber.queue.isEmpty()
                    && subscriber.queuedBytes + event.bytes() > properties.clientBuffer().toBytes();
            if (!overflow) {
                subscriber.queue.add(event);
                subscriber.queuedBytes += event.bytes();
                start = !subscriber.writing;
                subscriber.writing = true;
            }
        }
        if (overflow) {
            drop(subscriber, "it fell more than " + properties.clientBuffer().toKilobytes() + " kB behind");
        } else if (start) {
            write(subscriber);
        }
    }

    /** No more events for this stream; its writer ends it once any write under way is done. */
    private void drop(Subscriber subscriber, String reason) {
        subscribers.remove(subscriber);
        boolean start;
        synchronized (subscriber) {
            if (subscriber.dropped) {
                return;
            }
            subscriber.dropped = true;
            subscriber.queue.clear();
            subscriber.queuedBytes = 0;
            start = !subscriber.writing;
            subscriber.writing = true;
        }
        if (reason != null) {
            LOG.info("Display stream from {} dropped: {}; the page reconnects by itself",
                    LogText.of(subscriber.address), reason);
        }
        if (start) {
            write(subscriber);
        }
    }

    private void write(Subscriber subscriber) {
        try {
            writers.execute(() -> drain(subscriber));
        } catch (RejectedExecutionException e) {
            subscribers.remove(subscriber);
            synchronized (subscriber) {
                subscriber.dropped = true;
                subscriber.queue.clear();
                subscriber.writing = false;
            }
        }
    }

    /** The stream's own writer: sends what is queued, then ends; ends the stream when it was dropped. */
    private void drain(Subscriber subscriber) {
        while (true) {
            Event event;
            synchronized (subscriber) {
                if (subscriber.dropped) {
                    subscriber.writing = false;
                    break;
                }
                event = subscriber.queue.poll();
                if (event == null) {
                    subscriber.writing = false;
                    return;
                }
                subscriber.queuedBytes -= event.bytes();
            }
            subscriber.writeStartedAt = System.nanoTime();
            try {
                subscriber.emitter().send(SseEmitter.event().name(event.name())
                        .reconnectTime(properties.reconnectDelay().toMillis()).data(event.data()));
            } catch (IOException | IllegalStateException e) {
                // the page went away: it is dropped, the others go on
                synchronized (subscriber) {
                    subscriber.dropped = true;
                    subscriber.queue.clear();
                    subscriber.writing = false;
                }
                ended(subscriber);
                return;
            } finally {
                subscriber.writeStartedAt = 0;
            }
        }
        try {
            subscriber.emitter().complete();
        } catch (IllegalStateException e) {
            // already ended
        }
        ended(subscriber);
    }

    private void ended(Subscriber subscriber) {
        subscribers.remove(subscriber);
        if (subscriber.released.compareAndSet(false, true)) {
            synchronized (streams) {
                streams.computeIfPresent(subscriber.address, (address, count) -> count <= 1 ? null : count - 1);
            }
        }
    }

    private String snapshotOf(Integer toolId, Map<Integer, ObjectNode> tools, boolean current) {
        ObjectNode snapshot = json.createObjectNode();
        snapshot.put("time", now());
        snapshot.put("current", current);
        ArrayNode list = snapshot.putArray("tools");
        tools.values().stream().filter(t -> toolId == null || toolId == t.path("tool_id").asInt()).forEach(list::add);
        return write(snapshot);
    }

    /** The server's clock, by which the pages show times and elapsed durations. */
    private static String now() {
        return WireTime.format(Instant.now());
    }

    private String write(ObjectNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** Streams are ended before the web server stops, so that it need not wait for them. */
    @Override
    public void stop() {
        running = false;
        closeAll();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
