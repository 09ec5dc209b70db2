package org.nemo.bridge.inbound;

import java.time.Duration;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.services.Services;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.nemo.demo.EmbeddedMqttBroker;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker that refuses the telemetry subscription (a SUBACK with reason code 0x87, not
 * authorized: its ACL does not let this client read the topic) is one log line naming the
 * filter and the reason, not a route that runs and hears nothing. A new session's refusal fails
 * the route's start, which the route controller tries again until the broker allows it; a
 * resumed session's (it still holds its old subscription) is said once.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class SubscriptionRefusedTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String FILTER = "factory/machine/+/telemetry";
    private static volatile boolean refuse = true;
    private static final EmbeddedMqttBroker BROKER = broker();
    private static final String DATABASE = TestDatabase.create("subscription_refused");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.mqtt.client-id", () -> "refused");
        registry.add("camel.routecontroller.back-off-delay", () -> "500");
        registry.add("camel.routecontroller.back-off-max-delay", () -> "500");
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    CamelContext camel;

    @Autowired
    javax.sql.DataSource dataSource;

    @Test
    void aRefusedSubscriptionIsOneLineNamingTheFilterAndTheReasonAndTheRouteStartsOnceTheBrokerAllowsIt(CapturedOutput output)
            throws Exception {
        String refusal = "refused the subscription to " + FILTER + " (not authorized, reason code 0x87)";
        awaitLog(output, refusal);
        Thread.sleep(3_000);
        // tried again every 500 ms meanwhile, said once
        assertThat(count(output.getAll(), refusal)).as(output.getAll()).isEqualTo(1);
        assertThat(camel.getRouteController().getRouteStatus("telemetry-ingest")).isNotEqualTo(ServiceStatus.Started);
        assertThat(camel.getRouteController().getRouteStatus("envelope-ingest")).isEqualTo(ServiceStatus.Started);

        // the broker's ACL is fixed: the next attempt subscribes, readings are stored
        refuse = false;
        JdbcTemplate db = new JdbcTemplate(dataSource);
        InboundFollowsBrokerTest.awaitStored(db, BROKER.url(), "after-fix");
        assertThat(camel.getRouteController().getRouteStatus("telemetry-ingest")).isEqualTo(ServiceStatus.Started);

        // refused again for the resumed session (which keeps its subscription): said once more, with what to do
        refuse = true;
        camel.getRouteController().stopRoute("telemetry-ingest");
        camel.getRouteController().startRoute("telemetry-ingest");
        awaitLog(output, "refused-in-telemetry: the broker " + refusal);
        assertThat(output.getAll()).contains("its old subscription stays; allow it in the broker's ACL");
        assertThat(count(output.getAll(), refusal)).isEqualTo(2);
    }

    private static void awaitLog(CapturedOutput output, String text) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (!output.getAll().contains(text)) {
            assertThat(System.currentTimeMillis()).as("a log line with: " + text).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** HiveMQ with an authorizer that refuses the telemetry filter while {@link #refuse} is set. */
    private static EmbeddedMqttBroker broker() {
        SubscriptionAuthorizer authorizer = (input, output) -> {
            if (refuse && FILTER.equals(input.getSubscription().getTopicFilter())) {
                output.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not in this client's ACL");
            } else {
                output.authorizeSuccessfully();
            }
        };
        ExtensionMain main = new ExtensionMain() {
            @Override
            public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
                Services.securityRegistry().setAuthorizerProvider(providerInput -> authorizer);
            }

            @Override
            public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
            }
        };
        try {
            return new EmbeddedMqttBroker(0).with(EmbeddedExtension.builder().withId("acl").withName("acl").withVersion("1")
                    .withPriority(0).withStartPriority(0).withExtensionMain(main).build()).start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
