package org.nemo.bridge.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Tells the {@code java -jar} that started this JVM (ServiceJvm) that the service started, so that
 * the class-data archive this JVM writes when it stops is kept ({@link ClassCache}): an archive of
 * a start that was refused would hold a fraction of the classes and slow every later start.
 */
@Component
@ConditionalOnProperty(ClassCache.STARTED_FILE)
class ServiceJvmStarted {

    private final Path file;

    ServiceJvmStarted(@Value("${" + ClassCache.STARTED_FILE + "}") Path file) {
        this.file = file;
    }

    @EventListener(ApplicationReadyEvent.class)
    void started() {
        try {
            Files.writeString(file, "");
        } catch (IOException e) {
            LoggerFactory.getLogger(ServiceJvmStarted.class).warn("The class-data archive of this run will not be kept: {} could not be written ({})",
                    file, e.toString());
        }
    }
}
