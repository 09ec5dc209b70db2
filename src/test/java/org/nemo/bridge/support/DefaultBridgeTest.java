package org.nemo.bridge.support;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The bridge with its shipped settings, on a broker, a database and a (never enabled) webhook
 * of its own: the test classes that extend this need nothing else and change nothing another
 * such class relies on, so they share one Spring context (Spring caches it by its settings)
 * instead of starting one each. It stays up until the test JVM ends, and so do its broker and
 * database: a class that needs other settings, or stops the broker, has its own context.
 * Camel's JMX is on, as in production, so that Hawtio and Jolokia see the routes.
 */
@DisableJmx(false)
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class DefaultBridgeTest {

    protected static final HiveMqBroker BROKER = new HiveMqBroker();
    protected static final String DATABASE = TestDatabase.create("default_bridge");
    /** Where bridge.webhook.url points: bridge.webhook.enabled stays false, as shipped. */
    protected static final WebhookServer WEBHOOK = new WebhookServer();

    @DynamicPropertySource
    static void defaultBridge(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.webhook.url", WEBHOOK::url);
    }
}
