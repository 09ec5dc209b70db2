package org.nemo.bridge.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.paho.mqttv5.common.packet.MqttDataTypes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TopicRulesTest {

    /** Every string Paho's packet writer refuses (and so would drop the connection) is refused here first. */
    @ParameterizedTest
    @ValueSource(strings = {"bad\u0001type", "nul\u0000", "del\u007f", "c1\u0085x", "cr\rlf\n", "tab\t",
            "nonchar\uffff", "nonchar\ufffe", "lone\ud800", "lone\udc00x"})
    void refusesWhatThePacketWriterRefuses(String value) {
        assertThatThrownBy(() -> MqttDataTypes.encodeUTF8(new DataOutputStream(new ByteArrayOutputStream()), value))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicRules.topic("nemo/events/" + value))
                .isInstanceOf(TopicRules.InvalidTopicException.class)
                .hasMessageContaining("cannot be a topic");
        assertThatThrownBy(() -> TopicRules.level(value)).isInstanceOf(TopicRules.InvalidTopicException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a+b", "a#", ""})
    void aLevelBuiltFromDataCannotMoveOrWidenTheTopic(String value) {
        assertThatThrownBy(() -> TopicRules.level(value)).isInstanceOf(TopicRules.InvalidTopicException.class);
    }

    @Test
    void wildcardsAreNoTopicToPublishTo() {
        assertThat(TopicRules.problemWithTopic("nemo/tools/+/state")).contains("wildcard '+'");
        assertThat(TopicRules.problemWithTopic("nemo/#")).contains("wildcard '#'");
        assertThat(TopicRules.problemWithTopic("")).contains("empty");
    }

    @Test
    void acceptsOrdinaryAndInternationalTopics() {
        assertThat(TopicRules.topic("nemo/tools/12/state")).isEqualTo("nemo/tools/12/state");
        assertThat(TopicRules.level("Ätzanlage-€-\ud83d\udd2c")).isEqualTo("Ätzanlage-€-\ud83d\udd2c");
        assertThat(TopicRules.problemWithTopic("lab/wall/ä")).isNull();
    }

    @Test
    void aTopicOverMqttsLengthLimitIsRefusedByItsUtf8Length() {
        String twoByteChars = "ä".repeat(32_768);
        assertThat(twoByteChars.length()).isLessThan(TopicRules.MAX_TOPIC_BYTES);
        assertThat(twoByteChars.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(TopicRules.MAX_TOPIC_BYTES);
        assertThat(TopicRules.problemWithTopic(twoByteChars)).contains("65535 bytes");
    }
}
