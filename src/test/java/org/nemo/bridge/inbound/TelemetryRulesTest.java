package org.nemo.bridge.inbound;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The telemetry rules on their own, for the corners the end-to-end table does not reach. */
class TelemetryRulesTest {

    private static final Instant RECEIVED = Instant.parse("2026-05-01T12:00:00Z");

    private final TelemetryRules rules = new TelemetryRules(new ObjectMapper(), "factory/machine/+/telemetry", 1024,
            "[\\p{L}\\p{N}][\\p{L}\\p{N}._-]{0,63}", 1024, Duration.ofMinutes(5));

    @ParameterizedTest(name = "timestamp {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "\"2025-01-01T00:00:00Z\"        | 2025-01-01T00:00:00Z",
            "\"2024-12-31T23:59:59.999Z\"    | received",
            "\"2026-04-10T22:50:57.123+02:00\" | 2026-04-10T20:50:57.123Z",
            "1735689600                      | 2025-01-01T00:00:00Z",
            "1735689599                      | received",
            "1735689600000                   | 2025-01-01T00:00:00Z",
            "-1                              | received",
            "1e300                           | received",
            "\"1767225600\"                  | received",
            "true                            | received",
            "null                            | received",
            "{}                              | received"})
    void timestampsBefore2025OrUnreadableGiveWayToTheReceiveTime(String timestamp, String expected) {
        TelemetryReading r = read("factory/machine/m1/telemetry", "{\"timestamp\":" + timestamp + "}");

        assertThat(r.accepted()).isTrue();
        assertThat(r.measuredAt()).isEqualTo("received".equals(expected) ? RECEIVED : Instant.parse(expected));
        assertThat(r.timestampReplaced()).isEqualTo("received".equals(expected));
    }

    /** RECEIVED is 2026-05-01T12:00:00Z, bridge.inbound.max-clock-skew 5 minutes. */
    @ParameterizedTest(name = "timestamp {0} -> {1} ({3})")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "\"2126-05-01T12:00:00Z\"          | received                 | 2126-05-01T12:00:00Z     | ahead",
            "\"+200000-01-01T00:00:00Z\"       | received                 | +200000-01-01T00:00:00Z  | ahead",
            "4933310400                        | received                 | 4933310400               | ahead",
            "4933310400000                     | received                 | 4933310400000            | ahead",
            "\"2026-05-01T12:05:00.001Z\"      | received                 | 2026-05-01T12:05:00.001Z | ahead",
            "\"2026-05-01T14:05:00.001+02:00\" | received                 | 2026-05-01T14:05:00.001+02:00 | ahead",
            "\"2026-05-01T12:05:00Z\"          | 2026-05-01T12:05:00Z     | -                        | -",
            "\"2026-05-01T12:03:00Z\"          | 2026-05-01T12:03:00Z     | -                        | -",
            "1777636980                        | 2026-05-01T12:03:00Z     | -                        | -",
            "\"2024-06-01T00:00:00Z\"          | received                 | 2024-06-01T00:00:00Z     | before 2025",
            "0                                 | received                 | 0                        | before 2025",
            "\"yesterday\"                     | received                 | yesterday                | unreadable",
            "1e300                             | received                 | 1.0E300                  | unreadable",
            "{}                                | received                 | {}                       | unreadable",
            "null                              | received                 | -                        | -"})
    void aTimestampFurtherAheadThanTheClockSkewGivesWayToTheReceiveTimeAndIsKeptBesideIt(String timestamp, String expected,
                                                                                        String reported, String why) {
        TelemetryReading r = read("factory/machine/m1/telemetry", "{\"timestamp\":" + timestamp + "}");

        assertThat(r.accepted()).isTrue();
        assertThat(r.measuredAt()).isEqualTo("received".equals(expected) ? RECEIVED : Instant.parse(expected));
        assertThat(r.timestampReplaced()).isEqualTo("received".equals(expected));
        assertThat(r.reportedTimestamp()).isEqualTo(reported);
        assertThat(r.timestampRejected()).isEqualTo(why == null ? null : why.equals("ahead") ? TelemetryRules.AHEAD : why);
    }

    @Test
    void aMissingTimestampIsNoProblemToReport() {
        TelemetryReading r = read("factory/machine/m1/telemetry", "{\"temperature\":20}");

        assertThat(r.measuredAt()).isEqualTo(RECEIVED);
        assertThat(r.timestampReplaced()).isTrue();
        assertThat(r.reportedTimestamp()).isNull();
        assertThat(r.timestampRejected()).isNull();
    }

    @Test
    void aRetainedMessageCarriesTheDigestOfItsWholePayloadAndALiveOneNone() {
        byte[] reading = "{\"temperature\":21.5}".getBytes(StandardCharsets.UTF_8);
        byte[] unreadable = "not json".getBytes(StandardCharsets.UTF_8);
        String topic = "factory/machine/m1/telemetry";

        // sha256sum of the same bytes
        assertThat(rules.read(topic, reading, RECEIVED, true).retainedSha256())
                .isEqualTo("8414c31b1f7afd7d0a0af122559cbccfde3906a0e3a40c14a7f1f938db3abf71");
        assertThat(rules.read(topic, reading, RECEIVED, true).retained()).isTrue();
        assertThat(rules.read(topic, reading, RECEIVED, false).retained()).isFalse();
        assertThat(rules.read(topic, unreadable, RECEIVED, true).retainedSha256()).isEqualTo(TelemetryRules.sha256(unreadable));
        assertThat(TelemetryRules.sha256(reading)).isNotEqualTo(TelemetryRules.sha256(unreadable));
    }

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "{\"machine_id\":\" Press-7 \"}  | factory/machine/other/telemetry | press-7",
            "{\"machine_id\":\"\"}           | factory/machine/Lathe/telemetry | lathe",
            "{\"machine_id\":7}              | factory/machine/other/telemetry | 7",
            "{\"machine_id\":7.5}            | factory/machine/other/telemetry | other",
            "{\"machine_id\":[\"x\"]}        | factory/machine/other/telemetry | other",
            "{}                              | factory/machine/ÄÖ-1/telemetry  | äö-1"})
    void theMachineComesFromThePayloadElseTheTopic(String payload, String topic, String machine) {
        assertThat(read(topic, payload).machineId()).isEqualTo(machine);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"machine_id\":\"#\"}          | cannot be a topic level",
            "{\"machine_id\":\"a+b\"}        | cannot be a topic level",
            "{\"machine_id\":\"ctl\\u0001x\"} | 'ctl\\u0001x' cannot be a topic level (contains the control character U+0001",
            "{\"machine_id\":\"cr\\rlf\\n\"} | cannot be a topic level",
            "{\"machine_id\":\"two words\"}  | 'two words' does not match bridge.inbound.machine-id-pattern",
            "{\"machine_id\":\".hidden\"}    | does not match bridge.inbound.machine-id-pattern",
            "nul                             | payload is not JSON",
            "{\"a\":1}{\"b\":2}              | payload is not JSON",
            "\"text\"                        | payload is not a JSON object"})
    void unreadableTelemetryIsRejectedWithTheReason(String payload, String reason) {
        TelemetryReading r = read("factory/machine/m1/telemetry", payload);

        assertThat(r.accepted()).isFalse();
        assertThat(r.reason()).contains(reason);
        assertThat(r.payload()).isEqualTo(payload.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"rpm\":1200,\"temperature\":20}               | {\"rpm\":1200}",
            "{\"rpm\":\"1200\",\"load\":0.5,\"on\":false}    | {\"load\":0.5}",
            "{\"nested\":{\"rpm\":1},\"big\":123456789012345678901234567890} | {\"big\":123456789012345678901234567890}"})
    void otherNumericFieldsAreKept(String payload, String extra) throws Exception {
        ObjectMapper json = new ObjectMapper();

        assertThat(json.readTree(read("factory/machine/m1/telemetry", payload).extraJson())).isEqualTo(json.readTree(extra));
    }

    private TelemetryReading read(String topic, String payload) {
        return rules.read(topic, payload.getBytes(StandardCharsets.UTF_8), RECEIVED);
    }
}
