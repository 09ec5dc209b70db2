package org.nemo.bridge.display;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nemo.bridge.outbound.ToolMessages;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The Server-Sent Events streams of the open display pages. Each gets the whole board (or its
 * one tool) as {@code snapshot} when it connects, every change as {@code tool}, and a
 * {@code heartbeat} every few seconds so that a page notices a dead stream by its silence.
 */
@Component
public class DisplayFeed implements SmartLifecycle {

    /** One open page; {@code toolId} null means the whole board. */
    public record Subscriber(SseEmitter emitter, Integer toolId) {

        boolean wants(int id) {
            return toolId == null || toolId == id;
        }
    }

    private final ObjectMapper json;
    private final DisplayProperties properties;
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private volatile boolean running;

    public DisplayFeed(ObjectMapper json, DisplayProperties properties) {
        this.json = json;
        this.properties = properties;
    }

    /** A stream that never times out by itself: it ends when the page goes away or the server stops. */
    public Subscriber open(Integer toolId) {
        SseEmitter emitter = new SseEmitter(0L);
        Subscriber subscriber = new Subscriber(emitter, toolId);
        emitter.onCompletion(() -> subscribers.remove(subscriber));
        emitter.onTimeout(() -> subscribers.remove(subscriber));
        emitter.onError(e -> subscribers.remove(subscriber));
        return subscriber;
    }

    public boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    public int subscriberCount() {
        return subscribers.size();
    }

    void add(Subscriber subscriber, Map<Integer, ObjectNode> tools, boolean current) {
        if (send(subscriber, "snapshot", snapshotOf(subscriber, tools, current))) {
            subscribers.add(subscriber);
        }
    }

    void snapshot(Map<Integer, ObjectNode> tools, boolean current) {
        for (Subscriber subscriber : subscribers) {
            send(subscriber, "snapshot", snapshotOf(subscriber, tools, current));
        }
    }

    void changed(Collection<ObjectNode> tools) {
        for (ObjectNode tool : tools) {
            int id = tool.path("tool_id").asInt();
            String data = write(tool);
            for (Subscriber subscriber : subscribers) {
                if (subscriber.wants(id)) {
                    send(subscriber, "tool", data);
                }
            }
        }
    }

    void heartbeat(boolean current) {
        ObjectNode beat = json.createObjectNode();
        beat.put("time", now());
        beat.put("current", current);
        String data = write(beat);
        for (Subscriber subscriber : subscribers) {
            send(subscriber, "heartbeat", data);
        }
    }

    /** Ends every stream, as a server restart does; the pages reconnect and catch up by themselves. */
    public void closeAll() {
        for (Subscriber subscriber : subscribers) {
            subscribers.remove(subscriber);
            subscriber.emitter().complete();
        }
    }

    private String snapshotOf(Subscriber subscriber, Map<Integer, ObjectNode> tools, boolean current) {
        ObjectNode snapshot = json.createObjectNode();
        snapshot.put("time", now());
        snapshot.put("current", current);
        ArrayNode list = snapshot.putArray("tools");
        tools.values().stream().filter(t -> subscriber.wants(t.path("tool_id").asInt())).forEach(list::add);
        return write(snapshot);
    }

    /** A page that went away shows up here as a failed write: it is dropped, the others go on. */
    private boolean send(Subscriber subscriber, String event, String data) {
        try {
            subscriber.emitter().send(SseEmitter.event().name(event).reconnectTime(properties.reconnectDelay().toMillis())
                    .data(data));
            return true;
        } catch (IOException | IllegalStateException e) {
            subscribers.remove(subscriber);
            return false;
        }
    }

    /** The server's clock, by which the pages show times and elapsed durations. */
    private static String now() {
        return ToolMessages.WIRE_TIME.format(OffsetDateTime.now(ZoneOffset.UTC));
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
