package org.nemo.bridge.outbound;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.nemo.bridge.wire.TopicRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in one log line when a drain (outbox-drain, plugin-queue-drain) pauses (broker or
 * database unavailable: the redelivery policy retries) and in one when it goes on, instead of a
 * line per retry. Each drain has its own state: the plugin's drain, finding nothing to publish,
 * does not end the outbox drain's pause.
 */
public class OutboxDrainState implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxDrainState.class);

    /** Drain route id → why it is paused. */
    private final Map<String, String> pausedBy = new ConcurrentHashMap<>();
    private volatile Consumer<String> onRun = routeId -> { };

    /** Told the drain's route id after every successful fetch and publish (the bridge says online once each drain ran). */
    public void onRun(Consumer<String> listener) {
        this.onRun = listener;
    }

    /** The redelivery policy's onRedelivery hook: called before each retry. */
    @Override
    public void process(Exchange exchange) {
        Exception e = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = e == null ? "unknown error" : TopicRules.printable(BrokerConnection.explain(e));
        if (pausedBy.put(exchange.getFromRouteId(), reason) == null) {
            LOG.warn("{} paused: {}; events stay pending and are retried with back-off", exchange.getFromRouteId(), reason);
        }
    }

    /** After every successful fetch and publish of a drain. */
    public void running(Exchange exchange) {
        if (pausedBy.remove(exchange.getFromRouteId()) != null) {
            LOG.info("{} resumed", exchange.getFromRouteId());
        }
        onRun.accept(exchange.getFromRouteId());
    }

    /** Why a drain is paused (the outbox's first), or null while none is. */
    public String pausedBy() {
        String outbox = pausedBy.get("outbox-drain");
        return outbox != null ? outbox : pausedBy.values().stream().findFirst().orElse(null);
    }
}
