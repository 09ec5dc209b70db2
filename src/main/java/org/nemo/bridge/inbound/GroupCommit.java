package org.nemo.bridge.inbound;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The last step of an inbound route: messages wait in a bounded queue, one writer stores
 * whatever has gathered (up to a batch) in one transaction, and only after the commit is
 * each message acknowledged to the broker and its exchange completed. A full queue blocks
 * the MQTT client's delivery thread; the broker then holds back everything beyond the
 * session's receive maximum, so a burst costs bounded memory here. While the database is
 * away the batch is retried with back-off and nothing is acknowledged.
 */
abstract class GroupCommit<T> implements AsyncProcessor {

    private static final long FIRST_RETRY_MILLIS = 100;
    private static final long MAX_RETRY_MILLIS = 5000;
    private static final long SHUTDOWN_GRACE_MILLIS = 5000;

    private static final class Pending<T> {
        T item;
        boolean stored;
        final Exchange exchange;
        final AsyncCallback callback;
        final InboundDelivery delivery;

        Pending(T item, Exchange exchange, AsyncCallback callback, InboundDelivery delivery) {
            this.item = item;
            this.exchange = exchange;
            this.callback = callback;
            this.delivery = delivery;
        }
    }

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final String what;
    private final Class<T> type;
    private final MqttClient client;
    private final TransactionTemplate transaction;
    private final int batchSize;
    private final BlockingQueue<Pending<T>> queue;
    private final Thread writer;
    private volatile boolean running = true;
    private volatile long stopDeadline = Long.MAX_VALUE;
    private boolean databaseAway;

    GroupCommit(String what, Class<T> type, MqttClient client, TransactionTemplate transaction, int batchSize) {
        this.what = what;
        this.type = type;
        this.client = client;
        this.transaction = transaction;
        this.batchSize = batchSize;
        // room for the next batch to gather while one is written
        this.queue = new ArrayBlockingQueue<>(batchSize * 2);
        this.writer = new Thread(this::writeLoop, what + "-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Writes one batch inside the open transaction; returns what to do once it is committed. */
    abstract Runnable write(List<T> batch);

    /** The same message turned into something the database cannot refuse (a rejection with the reason). */
    abstract T refused(T item, String why);

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Pending<T> pending = new Pending<>(exchange.getMessage().getBody(type), exchange, callback, InboundDelivery.of(exchange));
        try {
            while (!queue.offer(pending, 200, TimeUnit.MILLISECONDS)) {
                if (!running) {
                    exchange.setException(new IllegalStateException("the bridge is stopping; the broker redelivers this message"));
                    callback.done(true);
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        return false;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        CompletableFuture<Exchange> done = processAsync(exchange);
        done.get();
    }

    @Override
    public CompletableFuture<Exchange> processAsync(Exchange exchange) {
        CompletableFuture<Exchange> future = new CompletableFuture<>();
        process(exchange, doneSync -> future.complete(exchange));
        return future;
    }

    /** Stores what is queued (for a few seconds at most if the database is away), then stops. */
    public void stop() {
        stopDeadline = System.currentTimeMillis() + SHUTDOWN_GRACE_MILLIS;
        running = false;
        try {
            writer.join(SHUTDOWN_GRACE_MILLIS * 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        List<Pending<T>> batch = new ArrayList<>(batchSize);
        while (running || !queue.isEmpty()) {
            try {
                Pending<T> first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, batchSize - 1);
                boolean committed = commit(batch);
                for (Pending<T> p : batch) {
                    if (committed) {
                        acknowledge(p);
                    } else {
                        p.exchange.setException(new IllegalStateException("not stored before shutdown; the broker redelivers it"));
                    }
                    p.callback.done(false);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // unacknowledged, so the broker redelivers them to the next session
                log.error("Inbound {}: {} messages not stored: {}", what, batch.size(), LogText.of(e.toString()));
                for (Pending<T> p : batch) {
                    p.exchange.setException(e);
                    p.callback.done(false);
                }
            } finally {
                batch.clear();
            }
        }
    }

    /** True once every message of the batch is committed; false only when the bridge stops while the database is away. */
    private boolean commit(List<Pending<T>> batch) throws InterruptedException {
        long retryMillis = FIRST_RETRY_MILLIS;
        while (true) {
            try {
                List<Pending<T>> open = batch.stream().filter(p -> !p.stored).toList();
                try {
                    store(open);
                } catch (DataAccessException e) {
                    if (outage(e)) {
                        throw e;
                    }
                    // refused for what is in it: find the messages it refuses, one at a time
                    for (Pending<T> p : open) {
                        storeAlone(p);
                    }
                }
                if (databaseAway) {
                    databaseAway = false;
                    log.info("Database back; inbound {} stored again", what);
                }
                return true;
            } catch (DataAccessException | TransactionException e) {
                if (!databaseAway) {
                    databaseAway = true;
                    log.warn("Database unavailable ({}); inbound {} wait unacknowledged, the broker keeps the rest",
                            LogText.of(NestedExceptionUtils.getMostSpecificCause(e).getMessage()), what);
                }
                if (System.currentTimeMillis() > stopDeadline) {
                    return false;
                }
                // The one pause of our own left: this writer thread holds messages the broker has
                // not had acknowledged, so it waits here rather than hand them back. Its Camel form
                // (aggregate, transacted batch, redelivery in inbound-errors.yaml) was built and taken
                // out for holding more heap under a burst than the bound (issue note, 2026-12-07).
                Thread.sleep(retryMillis);
                retryMillis = Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
            }
        }
    }

    private void store(List<Pending<T>> open) {
        if (open.isEmpty()) {
            return;
        }
        List<T> items = new ArrayList<>(open.size());
        for (Pending<T> p : open) {
            items.add(p.item);
        }
        Runnable afterCommit = transaction.execute(status -> write(items));
        for (Pending<T> p : open) {
            p.stored = true;
        }
        if (afterCommit != null) {
            afterCommit.run();
        }
    }

    /** A message the database refuses is kept as a rejection with the database's reason. */
    private void storeAlone(Pending<T> p) {
        try {
            store(List.of(p));
        } catch (DataAccessException e) {
            if (outage(e)) {
                throw e;
            }
            String why = e.getMostSpecificCause().getMessage();
            log.warn("Inbound {} refused by the database, kept as rejected: {}", what, LogText.of(why));
            p.item = refused(p.item, why == null ? e.toString() : why);
            try {
                store(List.of(p));
            } catch (DataAccessException again) {
                if (outage(again)) {
                    throw again;
                }
                log.error("Inbound {} dropped, even its rejection was refused: {}", what,
                        LogText.of(again.getMostSpecificCause().getMessage()));
                p.stored = true;
            }
        }
    }

    private static boolean outage(DataAccessException e) {
        return e instanceof TransientDataAccessException || e instanceof DataAccessResourceFailureException
                || e instanceof RecoverableDataAccessException;
    }

    private void acknowledge(Pending<T> p) {
        if (p.delivery == null || p.delivery.qos() == 0) {
            return;
        }
        try {
            client.messageArrivedComplete(p.delivery.messageId(), p.delivery.qos());
        } catch (MqttException | RuntimeException e) {
            // the connection is gone: the broker redelivers the message to the resumed session
            log.debug("Inbound {}: acknowledgement of {} not sent: {}", what, p.delivery.messageId(), LogText.of(e.toString()));
        }
    }
}
