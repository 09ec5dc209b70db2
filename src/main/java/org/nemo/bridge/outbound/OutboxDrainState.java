package org.nemo.bridge.outbound;

import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.spi.ExceptionHandler;
import org.nemo.bridge.mqtt.BrokerProblems;
import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;

/**
 * Says in one log line when a drain (outbox-drain, plugin-queue-drain) pauses (broker or
 * database unavailable: the redelivery policy retries) and in one when it goes on, instead of a
 * line per retry. Each drain has its own state: the plugin's drain, finding nothing to publish,
 * does not end the outbox drain's pause.
 *
 * <p>Also the drains' consumer's exception handler: an exchange that ended in the middle of its
 * retries (leadership lost while waiting for the broker, or a shutdown) is one log line, not a
 * stack trace, and the drain is no longer paused.
 */
public class OutboxDrainState implements Processor, ExceptionHandler {

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
        String reason = e == null ? "unknown error" : LogText.of(explain(e));
        if (pausedBy.put(exchange.getFromRouteId(), reason) == null) {
            LOG.warn("{} paused: {}; events stay pending and are retried with back-off", exchange.getFromRouteId(), reason);
        }
    }

    /** The database's own words when it is the database that failed, else the broker connection's explanation. */
    private static String explain(Exception e) {
        if (e instanceof DataAccessException || e instanceof SQLException) {
            return "database unavailable (" + NestedExceptionUtils.getMostSpecificCause(e).getMessage() + ")";
        }
        return BrokerProblems.explain(e);
    }

    @Override
    public void handleException(Throwable exception) {
        handleException(null, null, exception);
    }

    @Override
    public void handleException(String message, Throwable exception) {
        handleException(message, null, exception);
    }

    @Override
    public void handleException(String message, Exchange exchange, Throwable exception) {
        String route = exchange != null && exchange.getFromRouteId() != null ? exchange.getFromRouteId() : "a drain";
        pausedBy.remove(route);
        LOG.warn("{} stopped before its batch was done: {}; what it published but did not mark is sent again",
                route, LogText.of(String.valueOf(exception.getMessage())));
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
