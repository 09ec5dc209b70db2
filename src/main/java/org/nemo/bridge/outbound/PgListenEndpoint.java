package org.nemo.bridge.outbound;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.ScheduledPollEndpoint;

/**
 * A LISTEN channel; consume only (to send, use mqtt_bridge.enqueue or pg_notify). Options:
 * {@code maxNotificationBytes} (default 4 MiB): at most this many bytes of notifications are
 * read at once; a flood beyond it is dropped with the connection, which listens again at once
 * ({@link DoorbellSocketFactory}). And Camel's scheduled-poll options, which pace the
 * reconnects: after {@code backoffErrorThreshold} (2) failed polls in a row the next
 * {@code backoffMultiplier} (20) polls, {@code delay} (100 ms) apart, are skipped: a lost
 * connection is opened again at once, then every 2 s while the database stays away.
 */
public class PgListenEndpoint extends ScheduledPollEndpoint {

    private final String channel;
    private long maxNotificationBytes = 4L * 1024 * 1024;

    PgListenEndpoint(String uri, PgListenComponent component, String channel) {
        super(uri, component);
        this.channel = channel;
        setInitialDelay(0);
        setDelay(100);
        // after every wait that ended well, poll again at once: the channel is never left unread
        // (the consumer counts each such wait as a poll); delay only paces the reconnects
        setGreedy(true);
        setBackoffErrorThreshold(2);
        setBackoffMultiplier(20);
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("pg-listen is a consumer only; NOTIFY with mqtt_bridge.enqueue()");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        PgListenConsumer consumer = new PgListenConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public PgListenComponent getComponent() {
        return (PgListenComponent) super.getComponent();
    }

    String channel() {
        return channel;
    }

    public long getMaxNotificationBytes() {
        return maxNotificationBytes;
    }

    public void setMaxNotificationBytes(long maxNotificationBytes) {
        if (maxNotificationBytes < 64 * 1024) {
            throw new IllegalArgumentException("pg-listen: maxNotificationBytes must be at least 65536 (a notification may be 8,000 bytes), not "
                    + maxNotificationBytes);
        }
        this.maxNotificationBytes = maxNotificationBytes;
    }
}
