package org.nemo.bridge.outbound;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Whether the LISTEN connection is up; one log line per change (metric nemo.pg.listen.connected). */
public class PgListenerState {

    private static final Logger LOG = LoggerFactory.getLogger(PgListenerState.class);

    private volatile boolean listening;
    private volatile String problem = "not started";
    private volatile long reconnects;

    public PgListenerState(MeterRegistry registry) {
        Gauge.builder("nemo.pg.listen.connected", this, s -> s.listening ? 1 : 0)
                .description("1 while the LISTEN connection is up").register(registry);
    }

    void listening(String channel) {
        if (!listening) {
            LOG.info("PostgreSQL LISTEN {} connected (application_name {})", channel, PgListenConsumer.APPLICATION_NAME);
        }
        listening = true;
        problem = null;
    }

    void lost(String channel, String why) {
        if (listening || problem == null || "not started".equals(problem)) {
            LOG.warn("PostgreSQL LISTEN {} lost: {}; reconnecting with back-off, the poll keeps events flowing", channel, why);
        }
        if (listening) {
            reconnects++;
        }
        listening = false;
        problem = why;
    }

    void stopped() {
        listening = false;
        problem = "stopped";
    }

    public boolean isListening() {
        return listening;
    }

    public String problem() {
        return problem;
    }

    public long reconnects() {
        return reconnects;
    }
}
