package org.nemo.bridge.outbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.paho.mqttv5.common.util.MqttTopicValidator;
import org.nemo.bridge.wire.LogText;
import org.nemo.bridge.wire.TopicRules;

/**
 * Event type → topic, from {@code bridge.topics}: templates under the prefix with
 * {@code {tool_id}}, {@code {event_type}} and, for events that are not about a tool, any field
 * of the event's payload ({@code {reservation_id}}, {@code {area_id}}, {@code {access_id}}).
 * Every topic it returns passed {@link TopicRules}: a level built from data never contains
 * {@code /}, a wildcard or a control character, so no event can leave its place in the tree.
 * A topic a row names itself (an explicit {@code enqueue} topic, a plugin-queue row) must stay
 * under the prefix and out of the bridge's own subtrees: its inbound topics, the
 * tools' retained state and the bridge status, unless {@code allowReserved} says otherwise.
 */
public class TopicMap {

    static final String DEFAULT_KEY = "default";
    static final String STATE_KEY = "tool_state";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z0-9_]+)}");

    private final String prefix;
    private final Map<String, String> templates;
    /** Topic filters of the bridge's own subtrees, which a row's own topic may not land in. */
    private final List<String> reserved;
    private final boolean allowReserved;
    /** {@code bridge.destinations}: an event type (or {@code tool_state}) → more topic templates, not prefixed. */
    private final Map<String, List<String>> destinations;

    /**
     * @param inboundFilters the topic filters the bridge subscribes to (telemetry, enveloped events)
     * @param allowReserved  {@code bridge.outbox.allow-reserved-topics}: a row's own topic may land in the reserved subtrees
     */
    public TopicMap(String prefix, Map<String, String> templates, List<String> inboundFilters, boolean allowReserved,
                    Map<String, List<String>> destinations) {
        this.prefix = prefix;
        this.templates = templates;
        this.allowReserved = allowReserved;
        this.destinations = destinations;
        if (!templates.containsKey(DEFAULT_KEY) || !templates.containsKey(STATE_KEY)) {
            throw new IllegalStateException("bridge.topics needs the keys '" + DEFAULT_KEY + "' and '" + STATE_KEY + "'");
        }
        this.reserved = new ArrayList<>(inboundFilters);
        // the state template's subtree (nemo/tools/+/state) and the leader's status topic
        reserved.add(prefix + "/" + PLACEHOLDER.matcher(templates.get(STATE_KEY)).replaceAll("+"));
        reserved.add(prefix + "/bridge/status");
        destinations.forEach(this::checkDestinations);
    }

    /**
     * A destination must be a topic wherever its placeholders are filled in, and outside the
     * bridge's own subtrees: checked at start with every placeholder as one level, so a typo
     * stops the start instead of sending every such event dead.
     */
    private void checkDestinations(String kind, List<String> templates) {
        for (String template : templates) {
            String sample = PLACEHOLDER.matcher(template).replaceAll("1");
            try {
                rowRules(TopicRules.topic(sample));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("bridge.destinations." + kind + ": '" + template + "' is no topic to publish to: "
                        + e.getMessage());
            }
        }
    }

    /**
     * The row's explicit topic when it has one (it must stay under the prefix), else the mapped
     * topic for its event type; placeholders other than {@code {tool_id}} and {@code {event_type}}
     * come from the payload.
     */
    public String eventTopic(String eventType, Integer toolId, String explicitTopic, JsonNode payload) {
        if (explicitTopic != null && !explicitTopic.isBlank()) {
            return rowTopic(explicitTopic);
        }
        String template = templates.getOrDefault(eventType, templates.get(DEFAULT_KEY));
        return TopicRules.topic(expand(template, eventType, toolId, payload));
    }

    public String stateTopic(int toolId) {
        return TopicRules.topic(expand(templates.get(STATE_KEY), STATE_KEY, toolId, null));
    }

    /**
     * The topics a message of this kind (an event type, or {@code tool_state} for a tool's state)
     * goes to besides its own: those {@code bridge.destinations} names for it, filled in like
     * {@code bridge.topics} but not under the prefix; none when it names none.
     */
    public List<String> destinations(String kind, Integer toolId, JsonNode payload) {
        List<String> more = kind == null ? null : destinations.get(kind);
        if (more == null || more.isEmpty()) {
            return List.of();
        }
        List<String> topics = new ArrayList<>(more.size());
        for (String template : more) {
            topics.add(rowRules(TopicRules.topic(fill(template, new StringBuilder(), kind, toolId, payload))));
        }
        return topics;
    }

    /**
     * A topic a row names itself (an explicit {@code enqueue} topic, a plugin-queue row): a valid
     * topic under the prefix, outside the bridge's own subtrees unless those are allowed; returns
     * it, or throws with the reason.
     */
    public String rowTopic(String topic) {
        TopicRules.topic(topic);
        if (!topic.startsWith(prefix + "/")) {
            throw new TopicRules.InvalidTopicException("topic '" + LogText.of(topic) + "' is outside the prefix '"
                    + prefix + "/'");
        }
        return rowRules(topic);
    }

    /** Outside the bridge's own subtrees, unless bridge.outbox.allow-reserved-topics allows them. */
    private String rowRules(String topic) {
        if (allowReserved) {
            return topic;
        }
        for (String filter : reserved) {
            if (MqttTopicValidator.isMatched(filter, topic)) {
                throw new TopicRules.InvalidTopicException("topic '" + LogText.of(topic)
                        + "' is in the bridge's own subtree '" + filter
                        + "' (bridge.outbox.allow-reserved-topics is false)");
            }
        }
        return topic;
    }

    private String expand(String template, String eventType, Integer toolId, JsonNode payload) {
        return fill(template, new StringBuilder(prefix).append('/'), eventType, toolId, payload);
    }

    private static String fill(String template, StringBuilder topic, String eventType, Integer toolId, JsonNode payload) {
        Matcher placeholder = PLACEHOLDER.matcher(template);
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
        // a number as the database prints it (0.0000001, not 1E-7)
        return level(value.isNumber() ? value.decimalValue().toPlainString() : value.asText());
    }

    static String level(String value) {
        return TopicRules.level(value);
    }
}
