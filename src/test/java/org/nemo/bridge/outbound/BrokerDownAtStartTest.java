package org.nemo.bridge.outbound;

import java.util.List;

import javax.sql.DataSource;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
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
import static org.nemo.bridge.support.OutboxRows.awaitStatus;
import static org.nemo.bridge.support.OutboxRows.awaitTrue;

/**
 * A broker that is down when the bridge starts: the drains' redelivery asks for the connection
 * and the connection tries one CONNECT at a time; once the broker is up the bridge connects
 * once (no second CONNECT beside Paho's, which Mosquitto would log as "multiple CONNECT
 * messages") and the row waiting is published.
 */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class BrokerDownAtStartTest {

    private static final MosquittoBroker BROKER = MosquittoBroker.loggingEverything();
    private static final String DATABASE = TestDatabase.create("broker_down_at_start");

    static {
        BROKER.stop();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
    }

    @AfterAll
    static void stopBroker() {
        BROKER.close();
    }

    @Autowired
    DataSource dataSource;

    @Autowired
    BrokerConnection broker;

    @Autowired
    CamelContext camel;

    @Test
    void aBrokerUpAfterTheStartIsConnectedToOnceAndTheWaitingRowPublished() throws Exception {
        NemoLab lab = new NemoLab(dataSource);
        long id = lab.enqueue("waited_for_the_broker", "{}", null, null);
        awaitTrue(() -> broker.problem() != null && broker.problem().contains("unreachable"));
        // the drain has asked (and the connection tried) several times while the broker was down
        NotifyBuilder asked = new NotifyBuilder(camel).fromRoute("outbox-poll").whenDone(3).create();
        assertThat(asked.matches(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(lab.status(id)).isEqualTo("pending");

        BROKER.start();
        long back = System.currentTimeMillis();
        awaitStatus(lab.db(), id, "published");
        long published = System.currentTimeMillis() - back;
        // a moment for a second CONNECT, if anything were to send one, to reach the log
        NotifyBuilder later = new NotifyBuilder(camel).fromRoute("outbox-poll").whenDone(3).create();
        assertThat(later.matches(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        List<String> log = BROKER.log();
        List<String> connects = log.stream().filter(l -> l.contains("New client connected") && l.contains("-pub-")).toList();
        System.out.println("Broker up after the start: first row published after " + published + " ms; " + connects.size()
                + " CONNECT of the publishing connection");
        assertThat(connects).as("the publishing connection's CONNECTs: %s", log).hasSize(1);
        assertThat(log).noneMatch(l -> l.contains("multiple CONNECT"));
        assertThat(published).as("published within the drain's longest back-off of the broker being up").isLessThan(5_000 + 1_500);
    }
}
