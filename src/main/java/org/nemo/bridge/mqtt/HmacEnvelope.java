package org.nemo.bridge.mqtt;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The plugin's signed envelope, byte for byte what its Python
 * {@code json.dumps({"payload": p, "hmac": sig, "algo": "sha256"})} writes: ", " and ": "
 * separators and ASCII-only escaping, so a subscriber verifying with the same key accepts it.
 */
public final class HmacEnvelope {

    private HmacEnvelope() {
    }

    public static byte[] wrap(byte[] payload, String key) {
        String inner = new String(payload, StandardCharsets.UTF_8);
        String hmac = hmacSha256Hex(key, inner);
        return ("{\"payload\": " + pythonJsonString(inner) + ", \"hmac\": \"" + hmac + "\", \"algo\": \"sha256\"}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    public static String hmacSha256Hex(String key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** A JSON string literal as Python's json.dumps (ensure_ascii=True) writes it. */
    public static String pythonJsonString(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
