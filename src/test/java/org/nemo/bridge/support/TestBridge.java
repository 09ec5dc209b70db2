package org.nemo.bridge.support;

import java.util.function.Supplier;

import org.springframework.test.context.DynamicPropertyRegistry;

/** Points the service under test at a test's own database and broker. */
public final class TestBridge {

    private TestBridge() {
    }

    public static void connect(DynamicPropertyRegistry registry, String databaseUrl, Supplier<Object> brokerUrl) {
        registry.add("spring.datasource.url", () -> databaseUrl);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("bridge.mqtt.broker-url", brokerUrl);
    }
}
