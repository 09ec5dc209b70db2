package org.nemo.bridge.wire;

/**
 * A value from outside (the network, the database, an exception message) made safe to stand in
 * a log line or an error column: control characters, non-characters and lone surrogates written
 * as {@code \}{@code uXXXX}, at most 200 characters. A CR or LF from the network never starts a
 * forged log line.
 */
public final class LogText {

    private static final int MAX_CHARS = 200;

    private LogText() {
    }

    /** The value as it may safely be logged; {@code "null"} for null, cut with {@code …} after 200 characters. */
    public static String of(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_CHARS) + 8);
        for (int i = 0; i < value.length() && out.length() < MAX_CHARS; i++) {
            char c = value.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
            if (pair) {
                out.append(c).append(value.charAt(++i));
            } else if (c <= 0x1F || (c >= 0x7F && c <= 0x9F) || c == '\uFFFE' || c == '\uFFFF' || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (out.length() >= MAX_CHARS && value.length() > MAX_CHARS) {
            out.append('…');
        }
        return out.toString();
    }
}
