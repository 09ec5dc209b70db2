package org.nemo.bridge.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a free local port standing in for Slack, Teams or ntfy: it records
 * every request and answers each with the next scripted status, or with the standing one.
 */
public class WebhookServer implements AutoCloseable {

    /** One request as the webhook received it. */
    public record Post(String method, String path, String contentType, String authorization, String body) {
    }

    private final HttpServer server;
    private final List<Post> posts = new ArrayList<>();
    private final Deque<Integer> scripted = new ConcurrentLinkedDeque<>();
    private volatile int standing = 200;

    public WebhookServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::answer);
        server.start();
    }

    private void answer(HttpExchange exchange) throws IOException {
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Integer next = scripted.poll();
        int status = next == null ? standing : next;
        synchronized (posts) {
            posts.add(new Post(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), exchange.getRequestHeaders().getFirst("Authorization"), body));
            posts.notifyAll();
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    /** The URL to configure, with a path and a query string as a Teams workflow URL has them. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/lab?sp=%2Ftriggers%2Frun&sig=abc";
    }

    /** The next requests are answered with these statuses, in order. */
    public void answerNext(Integer... statuses) {
        scripted.addAll(List.of(statuses));
    }

    /** Every request not scripted is answered with this status. */
    public void answerAlways(int status) {
        standing = status;
    }

    /** The requests received so far that match. */
    public List<Post> posts(Predicate<Post> which) {
        synchronized (posts) {
            return posts.stream().filter(which).toList();
        }
    }

    /** Waits until {@code count} matching requests arrived and returns them. */
    public List<Post> await(Predicate<Post> which, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (posts) {
            while (true) {
                List<Post> matching = posts.stream().filter(which).toList();
                long left = deadline - System.nanoTime();
                if (matching.size() >= count || left <= 0) {
                    return matching;
                }
                posts.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
