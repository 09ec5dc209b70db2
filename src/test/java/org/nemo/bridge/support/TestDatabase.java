package org.nemo.bridge.support;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * A real PostgreSQL for the tests, started once per JVM: each test class gets its own
 * database in it, holding NEMO-shaped tables, so that no two Spring contexts drain the same
 * outbox.
 */
public final class TestDatabase {

    private static EmbeddedPostgres postgres;

    private TestDatabase() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new IllegalStateException("embedded PostgreSQL did not start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // JVM exit
                }
            }));
        }
        return postgres;
    }

    /** A fresh database with NEMO's tables (no data); returns its JDBC URL. */
    public static String create(String name) {
        String url = createEmpty(name);
        nemoTables(dataSource(url));
        return url;
    }

    /** A fresh database without NEMO's tables (an app that only uses enqueue()); returns its JDBC URL. */
    public static String createEmpty(String name) {
        EmbeddedPostgres server = server();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return server.getJdbcUrl("postgres", name);
    }

    /** A fresh database with the bridge's schema migrated by Flyway, without the service (nor NEMO's tables). */
    public static DataSource migrated(String name) {
        DataSource ds = dataSource(createEmpty(name));
        Flyway.configure().dataSource(ds).schemas("mqtt_bridge").createSchemas(true).load().migrate();
        return ds;
    }

    public static DataSource dataSource(String url) {
        DriverManagerDataSource ds = new DriverManagerDataSource(url);
        ds.setUsername("postgres");
        return ds;
    }

    /**
     * The Django plugin's tables (as its migrations make them) with its one enabled broker
     * configuration, 'default', pointing at 127.0.0.1:{@code brokerPort} (topic prefix nemo, no HMAC).
     */
    public static void pluginTablesWithBroker(String url, int brokerPort) {
        DataSource ds = dataSource(url);
        pluginTables(ds);
        new JdbcTemplate(ds).update("INSERT INTO nemo_mqtt_mqttconfiguration (name, enabled, broker_host, broker_port, keepalive,"
                + " client_id, use_hmac, hmac_algorithm, topic_prefix, created_at, updated_at)"
                + " VALUES ('default', true, '127.0.0.1', ?, 60, 'nemo-mqtt-client', false, 'sha256', 'nemo', now(), now())",
                brokerPort);
    }

    /** The Django plugin's tables, as its migrations make them, empty. */
    public static void pluginTables(DataSource dataSource) {
        new ResourceDatabasePopulator(new ClassPathResource("plugin/nemo-mqtt-plugin-tables.sql")).execute(dataSource);
    }

    public static void nemoTables(DataSource dataSource) {
        ResourceDatabasePopulator nemo = new ResourceDatabasePopulator(new ClassPathResource("demo/nemo-lab.sql"));
        nemo.setSeparator(ScriptUtils.EOF_STATEMENT_SEPARATOR);
        nemo.execute(dataSource);
    }
}
