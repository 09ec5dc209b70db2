package org.nemo.bridge.outbound;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.nemo.bridge.wire.TopicRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in one log line when the drain pauses (broker or database unavailable: the redelivery
 * policy retries) and in one when it goes on, instead of a line per retry.
 */
public class OutboxDrainState implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxDrainState.class);

    private volatile String pausedBy;

    /** The redelivery policy's onRedelivery hook: called before each retry. */
    @Override
    public void process(Exchange exchange) {
        Exception e = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = e == null ? "unknown error" : TopicRules.printable(BrokerConnection.explain(e));
        if (pausedBy == null) {
            LOG.warn("Outbox drain paused: {}; events stay pending and are retried with back-off", reason);
        }
        pausedBy = reason;
    }

    /** After every successful fetch or publish. */
    public void running() {
        if (pausedBy != null) {
            pausedBy = null;
            LOG.info("Outbox drain resumed");
        }
    }

    public String pausedBy() {
        return pausedBy;
    }
}
