package org.nemo.bridge.wire;

import java.nio.charset.StandardCharsets;

/**
 * The one place that decides whether a string may be an MQTT topic or a level of one, checked
 * before anything reaches the MQTT client. Paho refuses a control character only when its
 * sender thread writes the packet, which drops the whole connection; a topic checked here fails
 * for its own message instead, with a reason a person can act on.
 *
 * <p>Refused everywhere: NUL and every other control character (C0, DEL, C1), the
 * non-characters U+FFFE and U+FFFF, lone surrogates, and a UTF-8 length over MQTT's 65,535
 * bytes. A topic a message is published to has no wildcard ({@code +}, {@code #}); a level built
 * from data (a tool id, an event type, a machine id) has no {@code /} either, so that no value
 * can move a message to another place in the tree.
 */
public final class TopicRules {

    /** MQTT's UTF-8 string limit (two length bytes). */
    public static final int MAX_TOPIC_BYTES = 65_535;

    private TopicRules() {
    }

    /** A topic name to publish to; returns it, or throws with the reason. */
    public static String topic(String topic) {
        if (topic == null || topic.isEmpty()) {
            throw new InvalidTopicException("an empty topic cannot be published to");
        }
        check(topic, "topic", true);
        if (topic.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
            throw new InvalidTopicException("topic is longer than MQTT's " + MAX_TOPIC_BYTES + " bytes");
        }
        return topic;
    }

    /** One level built from data; returns it, or throws with the reason. */
    public static String level(String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidTopicException("an empty value cannot be a topic level");
        }
        check(value, "topic level", false);
        return value;
    }

    /** The reason the topic cannot be published to, or null when it can. */
    public static String problemWithTopic(String topic) {
        try {
            topic(topic);
            return null;
        } catch (InvalidTopicException e) {
            return e.getMessage();
        }
    }

    private static void check(String value, String what, boolean slashAllowed) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String problem = null;
            if (c == '+' || c == '#') {
                problem = "the wildcard '" + c + "'";
            } else if (c == '/' && !slashAllowed) {
                problem = "'/'";
            } else if (c <= 0x1F || (c >= 0x7F && c <= 0x9F)) {
                problem = "the control character " + codePoint(c);
            } else if (c == '\uFFFE' || c == '\uFFFF') {
                problem = "the non-character " + codePoint(c);
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                } else {
                    problem = "a lone surrogate " + codePoint(c);
                }
            } else if (Character.isLowSurrogate(c)) {
                problem = "a lone surrogate " + codePoint(c);
            }
            if (problem != null) {
                throw new InvalidTopicException("'" + LogText.of(value) + "' cannot be a " + what + " (contains " + problem
                        + " at character " + i + ")");
            }
        }
    }

    private static String codePoint(char c) {
        return String.format("U+%04X", (int) c);
    }

    /** A topic or level that must not reach the MQTT client. */
    public static final class InvalidTopicException extends IllegalArgumentException {
        public InvalidTopicException(String message) {
            super(message);
        }
    }
}
