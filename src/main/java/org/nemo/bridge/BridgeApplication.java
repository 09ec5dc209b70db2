package org.nemo.bridge;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.nemo.bridge.config.DerivedSettings;
import org.nemo.bridge.config.NemoTriggers;
import org.nemo.bridge.config.RequiredSettings;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
@ConfigurationPropertiesScan
public class BridgeApplication {

    @Bean
    static RequiredSettings requiredSettings() {
        return new RequiredSettings();
    }

    @Bean
    static DerivedSettings derivedSettings() {
        return new DerivedSettings();
    }

    /** NEMO's triggers, re-created after Flyway's migrate at every start. */
    @Bean
    NemoTriggers nemoTriggers() {
        return new NemoTriggers();
    }

    /** The service in this JVM; {@code java -jar} starts at {@link org.nemo.bridge.config.ServiceJvm#main}, which may choose another. */
    public static void main(String[] args) {
        try {
            SpringApplication.run(BridgeApplication.class, args);
        } catch (RuntimeException | Error failed) {
            // Spring has said why (one line for a refused start) and closed the context; a thread
            // a client library started before the refusal must not keep the process alive
            System.exit(1);
        }
    }
}
