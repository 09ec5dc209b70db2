package org.nemo.bridge.inbound;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reading an inbound payload the same strict way for telemetry and envelopes. */
final class InboundText {

    private InboundText() {
    }

    /** The text, or null when the bytes are not valid UTF-8 (a lenient decode would hide corruption). */
    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** A parser that refuses "{} trailing garbage" instead of reading the first value only. */
    static ObjectMapper strict(ObjectMapper json) {
        return json.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    static JsonNode parse(ObjectMapper strict, String text) throws JsonProcessingException {
        return strict.readTree(text);
    }

    /** Why the JSON parser refused the text, short enough for a column and without the echoed input. */
    static String notJson(JsonProcessingException e) {
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        int newline = message.indexOf('\n');
        if (newline > 0) {
            message = message.substring(0, newline);
        }
        return "payload is not JSON: " + storable(cut(message, 200));
    }

    /** PostgreSQL text cannot hold NUL. */
    static String storable(String text) {
        return text == null ? null : text.replace("\0", "\\u0000");
    }

    static boolean hasNul(String text) {
        return text != null && text.indexOf('\0') >= 0;
    }

    /** True when some string in the tree holds a NUL, which jsonb refuses. */
    static boolean hasNul(JsonNode node) {
        if (node == null) {
            return false;
        }
        if (node.isTextual()) {
            return hasNul(node.textValue());
        }
        if (node.isObject()) {
            var fields = node.fields();
            while (fields.hasNext()) {
                var field = fields.next();
                if (hasNul(field.getKey()) || hasNul(field.getValue())) {
                    return true;
                }
            }
            return false;
        }
        for (JsonNode child : node) {
            if (hasNul(child)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first {@code max} bytes at most, ended on a character boundary when the bytes are
     * UTF-8, so that a kept head of valid text is still valid text.
     */
    static byte[] head(byte[] bytes, int max) {
        if (bytes == null || bytes.length <= max) {
            return bytes;
        }
        int end = Math.max(0, max);
        // back off continuation bytes (10xxxxxx) so that no character is cut in half
        for (int back = 0; back < 3 && end > 0 && end < bytes.length && (bytes[end] & 0xC0) == 0x80; back++) {
            end--;
        }
        return Arrays.copyOf(bytes, end);
    }

    static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }
}
