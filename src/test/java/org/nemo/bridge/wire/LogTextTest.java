package org.nemo.bridge.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void aLineBreakFromTheNetworkNeverStartsAForgedLogLine() {
        assertThat(LogText.of("evil\r\nINFO forged")).isEqualTo("evil\\u000d\\u000aINFO forged");
    }

    @Test
    void aLongValueIsCutAfter200CharactersAndSaysSo() {
        assertThat(LogText.of("x".repeat(500))).hasSize(201).endsWith("…");
    }
}
