package org.nemo.bridge.outbound;

import java.util.Map;

/**
 * Event type → topic, from {@code bridge.topics} (DESIGN §4): templates under the prefix with
 * {@code {tool_id}} and {@code {event_type}}. A level built from data never contains
 * {@code /}, {@code +}, {@code #} or NUL, so no event can leave its place in the tree.
 */
public class TopicMap {

    static final String DEFAULT_KEY = "default";
    static final String STATE_KEY = "tool_state";

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
        if (explicitTopic != null && !explicitTopic.isBlank()) {
            if (!explicitTopic.startsWith(prefix + "/")) {
                throw new IllegalArgumentException("topic '" + explicitTopic + "' is outside the prefix '" + prefix + "/'");
            }
            return explicitTopic;
        }
        String template = templates.getOrDefault(eventType, templates.get(DEFAULT_KEY));
        return expand(template, eventType, toolId);
    }

    public String stateTopic(int toolId) {
        return expand(templates.get(STATE_KEY), STATE_KEY, toolId);
    }

    private String expand(String template, String eventType, Integer toolId) {
        String topic = template;
        if (topic.contains("{tool_id}")) {
            if (toolId == null) {
                throw new IllegalArgumentException("topic '" + template + "' needs a tool_id and the event has none");
            }
            topic = topic.replace("{tool_id}", Integer.toString(toolId));
        }
        if (topic.contains("{event_type}")) {
            topic = topic.replace("{event_type}", level(eventType));
        }
        return prefix + "/" + topic;
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
