package org.nemo.bridge.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nemo.bridge.support.HiveMqBroker;
import org.nemo.bridge.support.TestBridge;
import org.nemo.bridge.support.TestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Started without bridge.admin.password, the service makes one up; the log says where it
 * is, never what it is (a log is read by more people than the admin).
 */
@ExtendWith(OutputCaptureExtension.class)
@CamelSpringBootTest
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)
class GeneratedPasswordTest {

    private static final HiveMqBroker BROKER = new HiveMqBroker();
    private static final String DATABASE = TestDatabase.create("generated_password");
    private static final Path PASSWORD_FILE = temporaryDirectory().resolve("admin-password");

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("bridge-admin");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        TestBridge.connect(registry, DATABASE, BROKER::url);
        registry.add("bridge.admin.password", () -> "");
        registry.add("bridge.admin.generated-password-file", PASSWORD_FILE::toString);
    }

    @AfterAll
    static void stop() {
        BROKER.close();
    }

    @Autowired
    TestRestTemplate http;

    @Test
    void theLogOfAStartWithoutAPasswordDoesNotContainThePassword(CapturedOutput output) {
        // the output of the whole start, captured by the extension; every word of a line about
        // the password is tried as the password: none may work
        String[] lines = output.getAll().lines().filter(l -> l.contains("bridge.admin.password")).toArray(String[]::new);
        assertThat(lines).as("a line says that a password was generated").isNotEmpty();
        Arrays.stream(lines).flatMap(l -> Arrays.stream(l.split("[\\s,;:()']+"))).filter(w -> w.length() >= 16).forEach(word ->
                assertThat(http.withBasicAuth("admin", word).getForEntity("/api/status", String.class).getStatusCode())
                        .as("a word of the log works as the admin password: %s", word).isEqualTo(HttpStatus.UNAUTHORIZED));
    }

    @Test
    void theGeneratedPasswordIsInAFileOnlyItsOwnerCanRead() throws IOException {
        assertThat(PASSWORD_FILE).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(PASSWORD_FILE))).isEqualTo("rw-------");
        String password = Files.readString(PASSWORD_FILE).trim();
        assertThat(http.withBasicAuth("admin", password).getForEntity("/api/status", String.class).getStatusCode())
                .isEqualTo(HttpStatus.OK);
    }
}
