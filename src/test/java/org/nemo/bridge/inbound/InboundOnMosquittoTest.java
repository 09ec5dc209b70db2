package org.nemo.bridge.inbound;

import org.junit.jupiter.api.condition.EnabledIf;
import org.nemo.bridge.support.MosquittoBroker;
import org.nemo.bridge.support.TestBroker;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The inbound contract against Mosquitto, what labs run, where the binary is installed. */
@EnabledIf("org.nemo.bridge.support.MosquittoBroker#available")
class InboundOnMosquittoTest extends InboundContract {

    private static final class Fixture {
        static final TestBroker BROKER = new MosquittoBroker();
        static final String DATABASE = TestDatabase.create("inbound_mosquitto");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        register(registry, Fixture.BROKER, Fixture.DATABASE, "inbound-mosquitto");
    }

    @Override
    TestBroker broker() {
        return Fixture.BROKER;
    }
}
