package org.nemo.bridge.webhook;

import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.DefaultBridgeTest;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge as shipped, with a webhook URL set but bridge.webhook.enabled left alone: the
 * example is loaded and nothing is posted.
 */
class WebhookOffByDefaultTest extends DefaultBridgeTest {

    @Autowired
    DataSource dataSource;

    @Autowired
    CamelContext camel;

    @Test
    void nothingIsPostedUntilTheWebhookIsEnabled() throws InterruptedException {
        // loaded (an unknown route has no status), not started
        assertThat(camel.getRouteController().getRouteStatus("webhook-post")).isEqualTo(ServiceStatus.Stopped);
        assertThat(camel.getRouteController().getRouteStatus("webhook-dead")).isEqualTo(ServiceStatus.Stopped);

        NemoLab lab = new NemoLab(dataSource);
        int tool = lab.tool("Quiet Tool");
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/tools/" + tool + "/#")) {
            lab.setOperational(tool, false);
            display.awaitOne("nemo/tools/" + tool + "/non-operational", Duration.ofSeconds(20));
        }
        // an enabled webhook posts within milliseconds of the broker's delivery
        assertThat(WEBHOOK.await(post -> true, 1, Duration.ofSeconds(1))).isEmpty();
    }
}
