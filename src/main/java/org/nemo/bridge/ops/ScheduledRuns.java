package org.nemo.bridge.ops;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.camel.Exchange;
import org.nemo.bridge.wire.LogText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Component;

/**
 * Whether each scheduled route (the census, the heartbeats, the purges, the tool state refresh)
 * ran: one WARN line when a route starts failing, one when it runs again, however many ticks
 * fail in between (routes/ops.yaml, scheduled-run-errors).
 */
@Component("scheduledRuns")
public class ScheduledRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ScheduledRuns.class);

    private final Map<String, Boolean> failing = new ConcurrentHashMap<>();

    /** The end of a run, failed (its exception handled) or not. */
    public void ended(Exchange exchange) {
        String route = exchange.getFromRouteId();
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (e == null) {
            if (failing.remove(route) != null) {
                LOG.info("{} runs again", route);
            }
        } else if (failing.putIfAbsent(route, Boolean.TRUE) == null) {
            Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
            String why = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            LOG.warn("{} failed, tried again every run until it works: {}", route, LogText.of(why));
        }
    }
}
