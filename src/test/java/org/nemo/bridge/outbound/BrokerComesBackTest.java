package org.nemo.bridge.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.nemo.bridge.config.BridgeProperties;
import org.nemo.bridge.mqtt.BrokerConnection;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the shipped settings ({@code bridge.mqtt.max-reconnect-delay} 5 s), a Mosquitto that was
 * away for 10 to 13 s is published to again within that delay of its coming back: Paho's next
 * reconnect attempt is never further away, and the drain goes on at once. The outages differ
 * in length so that the broker comes back at different points of Paho's schedule.
 */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class BrokerComesBackTest {

    private static final Duration OUTAGE = Duration.ofSeconds(10);
    private static final Duration LONGER_EACH_TIME = Duration.ofMillis(1500);
    /** A connect and a first batch on a shared two-core machine. */
    private static final Duration MARGIN = Duration.ofMillis(750);

    private static final class Fixture {
        static final MosquittoBroker BROKER = new MosquittoBroker();
        static final String DATABASE = TestDatabase.create("broker_comes_back");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, Fixture.DATABASE, Fixture.BROKER::url);
    }

    @AfterAll
    static void stopBroker() {
        Fixture.BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    BrokerConnection broker;

    @Autowired
    BridgeProperties properties;

    @Test
    void aBrokerBackFromAnOutageIsPublishedToWithinTheMaxReconnectDelay() throws InterruptedException {
        NemoLab lab = new NemoLab(dataSource);
        long maxReconnectDelay = properties.mqtt().maxReconnectDelay().toMillis();
        assertThat(maxReconnectDelay).as("the shipped setting").isEqualTo(5000);
        awaitPublished(lab, lab.enqueue("before_outage", "{}", null, null), 30_000);

        List<String> figures = new ArrayList<>();
        long worst = 0;
        for (int outage = 1; outage <= 3; outage++) {
            Fixture.BROKER.stop();
            long id = lab.enqueue("during_outage", "{\"outage\":" + outage + "}", null, null);
            Thread.sleep(OUTAGE.plus(LONGER_EACH_TIME.multipliedBy(outage - 1)).toMillis());
            assertThat(lab.status(id)).isEqualTo("pending");

            Fixture.BROKER.start();
            long back = System.currentTimeMillis();
            long connected = 0;
            while (lab.status(id).equals("pending")) {
                if (connected == 0 && broker.isConnected()) {
                    connected = System.currentTimeMillis() - back;
                }
                assertThat(System.currentTimeMillis() - back).as("published after outage " + outage).isLessThan(30_000);
                Thread.sleep(10);
            }
            long published = lab.db().queryForObject("SELECT (extract(epoch FROM published_at) * 1000)::bigint FROM mqtt_bridge.outbox "
                    + "WHERE id = ?", Long.class, id) - back;
            figures.add("outage " + outage + " (" + OUTAGE.plus(LONGER_EACH_TIME.multipliedBy(outage - 1)).toMillis() + " ms): connected after " + connected + " ms, first row published after " + published + " ms");
            worst = Math.max(worst, published);
        }
        System.out.println("Broker back: " + String.join("; ", figures));
        assertThat(worst).as(String.join("; ", figures)).isLessThanOrEqualTo(maxReconnectDelay + MARGIN.toMillis());
    }

    private static void awaitPublished(NemoLab lab, long id, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!lab.status(id).equals("published")) {
            assertThat(System.currentTimeMillis()).as("row " + id + " published").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
