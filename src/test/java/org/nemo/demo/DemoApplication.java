package org.nemo.demo;

import org.nemo.bridge.BridgeApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The zero-setup demo: {@code ./mvnw spring-boot:test-run}. The bridge as shipped, against an
 * embedded PostgreSQL holding a small NEMO-shaped lab and an embedded MQTT 5 broker, with a
 * simulator that enables and disables tools ({@link DemoLab}). It lives with the tests, outside
 * the service's packages: the production jar has no embedded database or broker in it.
 * (Annotated so that spring-boot:test-run picks this main class among the test classes'.)
 */
@SpringBootApplication
public class DemoApplication {

    public static void main(String[] args) {
        SpringApplication demo = new SpringApplication(BridgeApplication.class);
        demo.setAdditionalProfiles("demo");
        demo.addListeners(new DemoLab());
        demo.run(args);
    }
}
