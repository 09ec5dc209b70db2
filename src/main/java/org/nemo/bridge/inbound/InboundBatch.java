package org.nemo.bridge.inbound;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Acknowledgement after the commit, for the aggregate of routes/inbound.yaml. The MQTT consumer
 * acknowledges a message when its exchange completes (manualAcksEnabled); the aggregate completes
 * each incoming exchange at once and hands the strategy a copy without its completions. So
 * {@link #hold} takes the acknowledgement off the incoming exchange before the aggregate, and the
 * strategy hands it to the batch: it runs when the batch's exchange completes (after the commit),
 * or is dropped unsent when the batch failed, and the broker sends the message again.
 */
public class InboundBatch implements AggregationStrategy {

    private static final String HELD = "inboundAcknowledgement";

    private final int size;

    /** @param size the messages of a batch at most: bridge.inbound.batch-size, cut to the receive window */
    public InboundBatch(int size) {
        this.size = size;
    }

    /**
     * The aggregate's completion size: bridge.inbound.batch-size, but never more than the
     * receive window, as the broker sends no more unacknowledged messages than that and a
     * larger batch would only ever be completed by its timeout.
     */
    public int size() {
        return size;
    }

    /** Route step before the aggregate: the message's acknowledgement waits for its batch. */
    public void hold(Exchange exchange) {
        Exchange held = new DefaultExchange(exchange.getContext());
        if (exchange.getUnitOfWork() != null) {
            exchange.getUnitOfWork().handoverSynchronization(held);
        }
        exchange.setProperty(HELD, held);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange batch, Exchange message) {
        Exchange target = batch == null ? message : batch;
        List<Object> bodies = batch == null ? new ArrayList<>() : target.getMessage().getBody(List.class);
        bodies.add(message.getMessage().getBody());
        target.getMessage().setBody(bodies);
        Exchange held = message.getProperty(HELD, Exchange.class);
        if (held != null) {
            held.getExchangeExtension().handoverCompletions(target);
        }
        target.removeProperty(HELD);
        return target;
    }
}
