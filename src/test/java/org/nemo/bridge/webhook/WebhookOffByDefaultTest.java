package org.nemo.bridge.webhook;

import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.nemo.bridge.support.WebhookServer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** With a webhook URL set but bridge.webhook.enabled left alone, the example is loaded and nothing is posted. */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class WebhookOffByDefaultTest {

    private static final MosquittoBroker BROKER = new MosquittoBroker();
    private static final String DATABASE = TestDatabase.create("webhook_off");
    private static final WebhookServer WEBHOOK = new WebhookServer();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.nemo.triggers", () -> "true");
        registry.add("bridge.webhook.url", WEBHOOK::url);
    }

    @AfterAll
    static void stop() {
        WEBHOOK.close();
        BROKER.close();
    }

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
