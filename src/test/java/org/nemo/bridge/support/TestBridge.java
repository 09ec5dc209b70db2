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

    /**
     * The bridge on the database, taking its broker from the plugin's table there
     * ({@code config-source=database}, see {@link TestDatabase#pluginTablesWithBroker}), and back
     * within a second of a broker switch.
     */
    public static void connectByPluginTable(DynamicPropertyRegistry registry, String databaseUrl) {
        registry.add("spring.datasource.url", () -> databaseUrl);
        registry.add("spring.datasource.username", () -> "postgres");
        registry.add("bridge.mqtt.config-source", () -> "database");
        registry.add("bridge.mqtt.max-reconnect-delay", () -> "1s");
    }
}
