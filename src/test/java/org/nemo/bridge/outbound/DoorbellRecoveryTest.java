package org.nemo.bridge.outbound;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.Subscriber.Received;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The doorbell recovers by itself: after its backend is terminated and after a PostgreSQL
 * restart (a private instance this test owns), events keep arriving, none twice, and NOTIFY
 * wake-ups work again. The poll is set to 30 s here so that only the doorbell can deliver
 * within a second.
 */
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class DoorbellRecoveryTest {

    private static final Duration NOTIFY_DELIVERY = Duration.ofSeconds(1);
    private static final Path DATA;
    private static EmbeddedPostgres postgres;
    private static final HiveMqBroker BROKER = new HiveMqBroker();

    static {
        try {
            DATA = Files.createTempDirectory("doorbell-pg");
            postgres = EmbeddedPostgres.builder().setDataDirectory(DATA).setCleanDataDirectory(false).start();
            TestDatabase.nemoTables(postgres.getPostgresDatabase());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same server again: same data, same port. */
    private static EmbeddedPostgres restart() throws IOException {
        int port = postgres.getPort();
        postgres.close();
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(DATA).setCleanDataDirectory(false).start();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, postgres.getJdbcUrl("postgres", "postgres"), BROKER::url);
        registry.add("bridge.outbox.poll-interval", () -> "30s");
        registry.add("bridge.outbox.listen-check-interval", () -> "1s");
    }

    @AfterAll
    static void stopAll() throws IOException {
        BROKER.close();
        postgres.close();
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    PgListenerState listener;

    @Test
    void theDoorbellComesBackAfterItsBackendIsKilledAndAfterAPostgresRestart() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/#")) {
            awaitListening();
            // the drain starts once this instance leads and its broker connection is up
            lab.enqueue("warm_up", "{}", null, null);
            display.awaitOne("nemo/events/warm_up", Duration.ofSeconds(15));
            lab.enqueue("before", "{}", null, null);
            display.awaitOne("nemo/events/before", NOTIFY_DELIVERY);

            int terminated = lab.db().queryForObject("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    + "WHERE application_name = 'mqtt-bridge-listener'", Integer.class);
            assertThat(terminated).isEqualTo(1);
            lab.enqueue("while_reconnecting", "{}", null, null);
            display.awaitOne("nemo/events/while_reconnecting", Duration.ofSeconds(10));
            awaitListening();
            lab.enqueue("after_terminate", "{}", null, null);
            display.awaitOne("nemo/events/after_terminate", NOTIFY_DELIVERY);

            postgres = restart();
            awaitListening();
            lab.enqueue("after_restart", "{}", null, null);
            display.awaitOne("nemo/events/after_restart", Duration.ofSeconds(10));
            lab.enqueue("notify_after_restart", "{}", null, null);
            display.awaitOne("nemo/events/notify_after_restart", NOTIFY_DELIVERY);

            Thread.sleep(1000);
            List<Received> all = display.all();
            Set<String> ids = all.stream().map(r -> r.userProperties().get("event_id")).collect(Collectors.toSet());
            assertThat(all).hasSize(6);
            assertThat(ids).hasSize(6);
            assertThat(lab.db().queryForObject("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mqtt-bridge-listener'",
                    Integer.class)).isEqualTo(1);
        }
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!listener.isListening() || !listenerBackendVisible()) {
            assertThat(System.currentTimeMillis()).as("LISTEN connection back").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private boolean listenerBackendVisible() {
        try {
            return new NemoLab(dataSource).db().queryForObject(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mqtt-bridge-listener'", Integer.class) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
