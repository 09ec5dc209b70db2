package org.nemo.bridge.outbound;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Event type → topic, from {@code bridge.topics} (DESIGN §4): templates under the prefix with
 * {@code {tool_id}}, {@code {event_type}} and, for events that are not about a tool, any field
 * of the event's payload ({@code {reservation_id}}, {@code {area_id}}, {@code {access_id}}).
 * A level built from data never contains {@code /}, {@code +}, {@code #} or NUL, so no event
 * can leave its place in the tree.
 */
public class TopicMap {

    static final String DEFAULT_KEY = "default";
    static final String STATE_KEY = "tool_state";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_]+)}");

    private final String prefix;
    private final Map<String, String> templates;

    public TopicMap(String prefix, Map<String, String> templates) {
        this.prefix = prefix;
        this.templates = templates;
        if (!templates.containsKey(DEFAULT_KEY) || !templates.containsKey(STATE_KEY)) {
            throw new IllegalStateException("bridge.topics needs the keys '" + DEFAULT_KEY + "' and '" + STATE_KEY + "'");
        }
    }

    /**
     * The row's explicit topic when it has one (it must stay under the prefix), else the mapped
     * topic for its event type.
     */
    public String eventTopic(String eventType, Integer toolId, String explicitTopic) {
        return eventTopic(eventType, toolId, explicitTopic, null);
    }

    /** As above; placeholders other than {@code {tool_id}} and {@code {event_type}} come from the payload. */
    public String eventTopic(String eventType, Integer toolId, String explicitTopic, JsonNode payload) {
        if (explicitTopic != null && !explicitTopic.isBlank()) {
            if (!explicitTopic.startsWith(prefix + "/")) {
                throw new IllegalArgumentException("topic '" + explicitTopic + "' is outside the prefix '" + prefix + "/'");
            }
            return explicitTopic;
        }
        String template = templates.getOrDefault(eventType, templates.get(DEFAULT_KEY));
        return expand(template, eventType, toolId, payload);
    }

    public String stateTopic(int toolId) {
        return expand(templates.get(STATE_KEY), STATE_KEY, toolId, null);
    }

    private String expand(String template, String eventType, Integer toolId, JsonNode payload) {
        Matcher placeholder = PLACEHOLDER.matcher(template);
        StringBuilder topic = new StringBuilder(prefix).append('/');
        while (placeholder.find()) {
            String name = placeholder.group(1);
            String value = switch (name) {
                case "event_type" -> level(eventType);
                case "tool_id" -> toolId != null ? Integer.toString(toolId) : field(template, name, payload);
                default -> field(template, name, payload);
            };
            placeholder.appendReplacement(topic, Matcher.quoteReplacement(value));
        }
        placeholder.appendTail(topic);
        return topic.toString();
    }

    /** A scalar payload field as one topic level; anything else cannot place the event. */
    private static String field(String template, String name, JsonNode payload) {
        JsonNode value = payload == null ? null : payload.get(name);
        if (value == null || value.isNull() || !value.isValueNode()) {
            throw new IllegalArgumentException("topic '" + template + "' needs a " + name + " and the event has none");
        }
        return level(value.asText());
    }

    static String level(String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("an empty value cannot be a topic level");
        }
        for (char c : value.toCharArray()) {
            if (c == '/' || c == '+' || c == '#' || c == '\0') {
                throw new IllegalArgumentException("'" + value.replace("\0", "\\0") + "' cannot be a topic level (contains '"
                        + (c == '\0' ? "\\0" : String.valueOf(c)) + "')");
            }
        }
        return value;
    }
}
