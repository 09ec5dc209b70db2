package org.nemo.bridge.inbound;

import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The inbound contract against the embedded MQTT 5 broker (runs everywhere). */
class InboundOnHiveMqTest extends InboundContract {

    private static final class Fixture {
        static final TestBroker BROKER = new HiveMqBroker();
        static final String DATABASE = TestDatabase.create("inbound_hivemq");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        register(registry, Fixture.BROKER, Fixture.DATABASE, "inbound-hivemq");
    }

    @Override
    TestBroker broker() {
        return Fixture.BROKER;
    }

    /**
     * HiveMQ hands a resumed session's queue out 50 messages at a time, each 50 after the
     * acknowledgements of the ones before (docs/inbound.md, "Measured rate"): 50,000 readings took
     * 137 s of the CI run, against 14 s on Mosquitto, and the bound the burst checks is the same
     * after 10,000.
     */
    @Override
    int burstReadings() {
        return 10_000;
    }
}
