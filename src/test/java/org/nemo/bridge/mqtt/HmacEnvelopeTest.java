package org.nemo.bridge.mqtt;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The envelope is byte for byte what the plugin's Python sign_payload_hmac() writes. */
class HmacEnvelopeTest {

    private static final String KEY = "lab-shared-secret";

    /** Vectors computed with Python 3: json.dumps({"payload": p, "hmac": hmac_sha256_hex, "algo": "sha256"}). */
    @Test
    void matchesThePluginsPythonEnvelopeByteForByte() {
        String inner = "{\"event\": \"tool_enabled\", \"tool_id\": 7, \"tool_name\": \"Caf\\u00e9 SEM \\u2014 \\\"B\\\"\", "
                + "\"user_name\": \"Ada Lovelace (ada)\"}";
        String expected = "{\"payload\": \"{\\\"event\\\": \\\"tool_enabled\\\", \\\"tool_id\\\": 7, \\\"tool_name\\\": "
                + "\\\"Caf\\\\u00e9 SEM \\\\u2014 \\\\\\\"B\\\\\\\"\\\", \\\"user_name\\\": \\\"Ada Lovelace (ada)\\\"}\", "
                + "\"hmac\": \"df5f276f50919fba4320b31314381f32246ba7f7a9def09698c2d6662a6858ca\", \"algo\": \"sha256\"}";
        assertThat(new String(HmacEnvelope.wrap(inner.getBytes(StandardCharsets.UTF_8), KEY), StandardCharsets.US_ASCII))
                .isEqualTo(expected);
    }

    @Test
    void escapesNonAsciiAndControlCharactersAsPythonDoes() {
        String inner = "{\"tool_id\":7,\"name\":\"Café \uD83D\uDD2C\ttab\"}";
        String expected = "{\"payload\": \"{\\\"tool_id\\\":7,\\\"name\\\":\\\"Caf\\u00e9 \\ud83d\\udd2c\\ttab\\\"}\", "
                + "\"hmac\": \"6c81804082c447f0620280ad1731a2ef5b3a3d26ad9a4e8a6e2e73d063344af3\", \"algo\": \"sha256\"}";
        assertThat(new String(HmacEnvelope.wrap(inner.getBytes(StandardCharsets.UTF_8), KEY), StandardCharsets.US_ASCII))
                .isEqualTo(expected);
    }
}
