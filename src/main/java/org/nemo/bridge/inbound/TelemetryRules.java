package org.nemo.bridge.inbound;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nemo.bridge.wire.LogText;
import org.nemo.bridge.wire.TopicRules;

/**
 * The telemetry rules: what a machine's message becomes. The machine comes from
 * the payload's machine_id, else from the topic's {@code +} level; the three sensors are
 * optional numbers; a timestamp before 2025, one that cannot be read, or one further ahead of
 * the receive time than bridge.inbound.max-clock-skew gives way to the receive time (and is
 * kept beside it with the reason); other numeric fields are kept; anything unreadable is
 * rejected with a reason. A retained message the broker replays carries its payload's digest,
 * so the store keeps it once.
 * A machine id becomes a level of the machine's status topic, so it must be one
 * ({@link TopicRules#level}) and match bridge.inbound.machine-id-pattern.
 */
public class TelemetryRules implements InboundRules {

    /** Machines without a clock (or with a reset one) send 1970 or 2000; no real reading is older. */
    static final Instant EARLIEST = Instant.parse("2025-01-01T00:00:00Z");
    /** How much of a timestamp that was not used is kept. */
    static final int REPORTED_KEEP_CHARS = 64;
    static final String BEFORE_2025 = "before 2025";
    static final String UNREADABLE = "unreadable";
    static final String AHEAD = "more than bridge.inbound.max-clock-skew ahead of the receive time";
    static final Set<String> KNOWN = Set.of("machine_id", "timestamp", "temperature", "humidity", "vibration");

    private final ObjectMapper json;
    private final int machineLevel;
    private final int maxPayloadBytes;
    private final Pattern machineIdPattern;
    private final int keepBytes;
    private final Duration maxClockSkew;

    /**
     * @param topicFilter  the subscription, e.g. factory/machine/+/telemetry; its + level names the machine
     * @param keepBytes    how much of a payload a rejection keeps
     * @param maxClockSkew how far ahead of the receive time a payload's timestamp may be
     */
    public TelemetryRules(ObjectMapper json, String topicFilter, int maxPayloadBytes, String machineIdPattern, int keepBytes,
                          Duration maxClockSkew) {
        this.json = InboundText.strict(json);
        this.machineLevel = Arrays.asList(topicFilter.split("/", -1)).indexOf("+");
        this.maxPayloadBytes = maxPayloadBytes;
        this.machineIdPattern = Pattern.compile(machineIdPattern);
        this.keepBytes = keepBytes;
        this.maxClockSkew = maxClockSkew;
    }

    public TelemetryReading read(String topic, byte[] payload, Instant receivedAt) {
        return read(topic, payload, receivedAt, false);
    }

    /** @param retained the broker replayed the message from its retained store */
    @Override
    public TelemetryReading read(String topic, byte[] payload, Instant receivedAt, boolean retained) {
        String digest = retained ? sha256(payload) : null;
        if (payload.length == 0) {
            return rejected(topic, receivedAt, digest, "payload is empty", payload);
        }
        if (payload.length > maxPayloadBytes) {
            return rejected(topic, receivedAt, digest, "payload of " + payload.length
                    + " bytes is over bridge.inbound.max-payload-bytes (" + maxPayloadBytes + ")", payload);
        }
        String text = InboundText.utf8(payload);
        if (text == null) {
            return rejected(topic, receivedAt, digest, "payload is not UTF-8", payload);
        }
        JsonNode tree;
        try {
            tree = InboundText.parse(json, text);
        } catch (JsonProcessingException e) {
            return rejected(topic, receivedAt, digest, InboundText.notJson(e), payload);
        }
        if (!(tree instanceof ObjectNode reading)) {
            return rejected(topic, receivedAt, digest, "payload is not a JSON object", payload);
        }
        String machineId = machineId(reading.get("machine_id"));
        if (machineId == null) {
            machineId = machineIdFromTopic(topic);
        }
        if (machineId == null) {
            return rejected(topic, receivedAt, digest, "no machine_id in the payload or the topic", payload);
        }
        String problem = problemWithMachineId(machineId);
        if (problem != null) {
            return rejected(topic, receivedAt, digest, problem, payload);
        }
        JsonNode reported = reading.get("timestamp");
        Instant measuredAt = timestamp(reported);
        String timestampRejected = timestampRejected(reported, measuredAt, receivedAt);
        boolean replaced = measuredAt == null || timestampRejected != null;
        return new TelemetryReading(topic, receivedAt, machineId, replaced ? receivedAt : measuredAt, replaced,
                timestampRejected == null ? null : reportedText(reported), timestampRejected,
                number(reading.get("temperature")), number(reading.get("humidity")), number(reading.get("vibration")),
                extra(reading), null, InboundText.head(payload, keepBytes), null, payload.length, digest);
    }

    /**
     * Why the payload's timestamp is not believed, or null when it is (or there is none): a
     * machine clock that was never set (before 2025), a value that is no time, or a clock so far
     * ahead that the reading would stay its machine's latest until that time.
     */
    String timestampRejected(JsonNode reported, Instant measuredAt, Instant receivedAt) {
        if (reported == null || reported.isNull()) {
            return null;
        }
        if (measuredAt == null) {
            return UNREADABLE;
        }
        if (measuredAt.isBefore(EARLIEST)) {
            return BEFORE_2025;
        }
        return measuredAt.isAfter(receivedAt.plus(maxClockSkew)) ? AHEAD : null;
    }

    /** The timestamp as the machine sent it, short and storable. */
    static String reportedText(JsonNode reported) {
        String text = reported.isTextual() ? reported.textValue() : reported.toString();
        return InboundText.storable(InboundText.cut(text, REPORTED_KEEP_CHARS));
    }

    static String sha256(byte[] payload) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Why the machine id cannot name a machine, or null when it can. */
    String problemWithMachineId(String machineId) {
        try {
            TopicRules.level(machineId);
        } catch (TopicRules.InvalidTopicException e) {
            return "machine_id " + e.getMessage();
        }
        if (!machineIdPattern.matcher(machineId).matches()) {
            return "machine_id '" + LogText.of(machineId) + "' does not match bridge.inbound.machine-id-pattern ("
                    + machineIdPattern.pattern() + ")";
        }
        return null;
    }

    private TelemetryReading rejected(String topic, Instant receivedAt, String digest, String reason, byte[] payload) {
        return TelemetryReading.rejected(topic, receivedAt, reason, payload, keepBytes, digest);
    }

    static String machineId(JsonNode node) {
        if (node == null || !(node.isTextual() || node.isIntegralNumber())) {
            return null;
        }
        String id = node.asText().trim().toLowerCase(Locale.ROOT);
        return id.isEmpty() ? null : id;
    }

    /** The topic's + level, normalized like the payload's machine_id so that both name the same machine. */
    String machineIdFromTopic(String topic) {
        if (machineLevel < 0 || topic == null) {
            return null;
        }
        String[] levels = topic.split("/", -1);
        if (levels.length <= machineLevel) {
            return null;
        }
        String id = levels[machineLevel].trim().toLowerCase(Locale.ROOT);
        return id.isEmpty() ? null : id;
    }

    /** A finite JSON number; anything else (missing, text, true, null) is no reading. */
    static Double number(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return null;
        }
        double value = node.doubleValue();
        return Double.isFinite(value) ? value : null;
    }

    /** The payload's time if it reads as one: ISO-8601 or epoch seconds/milliseconds; null when not. */
    static Instant timestamp(JsonNode node) {
        Instant t = null;
        if (node != null && node.isNumber() && Double.isFinite(node.doubleValue())) {
            double v = node.doubleValue();
            // epoch seconds until the year 5138, milliseconds beyond
            double millis = Math.abs(v) < 1e11 ? v * 1000 : v;
            if (Math.abs(millis) < 8.64e15) {
                t = Instant.ofEpochMilli((long) millis);
            }
        } else if (node != null && node.isTextual()) {
            t = parseTime(node.textValue().trim());
        }
        return t;
    }

    private static Instant parseTime(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException notWithOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                return null;
            }
        }
    }

    /** Numeric fields beyond the known ones, as a JSON object (top level only). */
    String extra(ObjectNode reading) {
        ObjectNode extra = json.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = reading.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (!KNOWN.contains(field.getKey()) && value.isNumber() && Double.isFinite(value.doubleValue())
                    && !InboundText.hasNul(field.getKey())) {
                extra.set(field.getKey(), value);
            }
        }
        try {
            return json.writeValueAsString(extra);
        } catch (JsonProcessingException e) {
            return "{}";
        }
    }
}
