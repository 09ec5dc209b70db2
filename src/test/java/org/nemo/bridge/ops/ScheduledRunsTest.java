package org.nemo.bridge.ops;

import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** A database outage over many ticks of a scheduled route: one line when it starts failing, one when it runs again. */
class ScheduledRunsTest {

    private final DefaultCamelContext camel = new DefaultCamelContext();

    @Test
    void manyFailedTicksAreOneLineAndTheFirstGoodTickIsOneMore() {
        Logger logger = (Logger) LoggerFactory.getLogger(ScheduledRuns.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            ScheduledRuns runs = new ScheduledRuns();
            runs.ended(tick("bridge-heartbeat", null));
            for (int i = 0; i < 5; i++) {
                runs.ended(tick("bridge-heartbeat", new IllegalStateException("Connection to 127.0.0.1:5432 refused (" + i + ")")));
                runs.ended(tick("outbox-census", new IllegalStateException("Connection to 127.0.0.1:5432 refused")));
            }
            runs.ended(tick("bridge-heartbeat", null));
            runs.ended(tick("bridge-heartbeat", null));

            List<String> lines = log.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
            assertThat(lines).containsExactly(
                    "WARN bridge-heartbeat failed, tried again every run until it works: Connection to 127.0.0.1:5432 refused (0)",
                    "WARN outbox-census failed, tried again every run until it works: Connection to 127.0.0.1:5432 refused",
                    "INFO bridge-heartbeat runs again");
        } finally {
            logger.detachAppender(log);
        }
    }

    private Exchange tick(String route, Exception handled) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getExchangeExtension().setFromRouteId(route);
        if (handled != null) {
            exchange.setProperty(Exchange.EXCEPTION_CAUGHT, handled);
        }
        return exchange;
    }
}
