package org.nemo.bridge.outbound;

import java.time.Duration;

import javax.sql.DataSource;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.NemoLab;
import org.nemo.bridge.support.Subscriber;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.nemo.bridge.support.OutboxRows.awaitDead;
import static org.nemo.bridge.support.OutboxRows.awaitStatus;

/**
 * A broker that refuses a message for itself (a PUBACK with reason code 0x87, not authorized:
 * Mosquitto's ACL denies the bridge one topic) sends that row dead with the broker's reason and
 * publishes the rows behind it. Mosquitto 2.0 also closes the connection right after such a
 * PUBACK: the refusal still counts, the row is not sent again.
 */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class BrokerRefusesPublishTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(20);
    private static final MosquittoBroker BROKER = MosquittoBroker.withAcl("""
            topic deny nemo/events/refused_by_the_broker
            topic readwrite #
            """);
    private static final String DATABASE = TestDatabase.create("broker_refuses");

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

    @Test
    void aMessageTheBrokerRefusesSendsItsRowDeadWithTheReasonAndTheRowsBehindItArePublished() {
        NemoLab lab = new NemoLab(dataSource);
        try (Subscriber display = new Subscriber(BROKER.url(), "nemo/events/#")) {
            long before = lab.enqueue("before_the_refusal", "{\"n\":1}", null, null);
            awaitStatus(lab.db(), before, "published");

            long refused = lab.enqueue("refused_by_the_broker", "{\"n\":2}", null, null);
            long after = lab.enqueue("after_the_refusal", "{\"n\":3}", null, null);

            assertThat(display.awaitOne("nemo/events/after_the_refusal", ARRIVAL).json().path("n").asInt()).isEqualTo(3);
            awaitStatus(lab.db(), after, "published");
            assertThat(awaitDead(lab.db(), refused)).contains("0x87").contains("not authorized")
                    .contains("nemo/events/refused_by_the_broker");
            assertThat(display.all()).noneMatch(m -> m.topic().endsWith("refused_by_the_broker"));
        }
    }
}
