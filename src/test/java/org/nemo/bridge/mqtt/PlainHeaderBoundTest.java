package org.nemo.bridge.mqtt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The publishing client skips encoding a message it checks only when the header's bound says
 * the packet is under the broker's maximum: the bound must never be under what Paho encodes.
 */
class PlainHeaderBoundTest {

    @Test
    void theBoundIsNeverUnderTheEncodedHeaderAndCloseToIt() throws Exception {
        for (int topicLength : new int[] {1, 40, 127, 128, 16_383, 16_384, 60_000}) {
            for (int userProperties : new int[] {0, 1, 2, 50}) {
                for (int payloadBytes : new int[] {0, 100, 127, 128, 16_384, 2_097_152}) {
                    String topic = "t".repeat(topicLength);
                    MqttProperties properties = properties("application/json", userProperties);
                    MqttMessage message = message(payloadBytes, properties);

                    long encoded = new MqttPublish(topic, message, properties).getHeader().length;
                    long bound = OutboundMqttClient.plainHeaderBound(topic, properties);

                    assertThat(bound).as("topic %s, %s user properties, payload %s", topicLength, userProperties, payloadBytes)
                            .isGreaterThanOrEqualTo(encoded).isLessThanOrEqualTo(encoded + 16);
                }
            }
        }
    }

    @Test
    void aMessageWithoutPropertiesIsBoundedToo() throws Exception {
        MqttMessage message = message(10, null);
        assertThat(OutboundMqttClient.plainHeaderBound("nemo/tools/1/state", null))
                .isGreaterThanOrEqualTo(new MqttPublish("nemo/tools/1/state", message, new MqttProperties()).getHeader().length);
    }

    @Test
    void textTheEncoderMightRefuseOrWidenHasNoBoundAndIsEncoded() {
        assertThat(OutboundMqttClient.plainHeaderBound("nemo/tools/\u0007/state", null)).isEqualTo(Long.MAX_VALUE);
        assertThat(OutboundMqttClient.plainHeaderBound("nemo/tools/é", null)).isEqualTo(Long.MAX_VALUE);
        MqttProperties control = properties("application/json", 0);
        control.getUserProperties().add(new UserProperty("event_type", "tool\u0000enabled"));
        assertThat(OutboundMqttClient.plainHeaderBound("nemo/events/x", control)).isEqualTo(Long.MAX_VALUE);
        MqttProperties responseTopic = properties("application/json", 1);
        responseTopic.setResponseTopic("nemo/replies");
        assertThat(OutboundMqttClient.plainHeaderBound("nemo/events/x", responseTopic)).isEqualTo(Long.MAX_VALUE);
    }

    private static MqttProperties properties(String contentType, int userProperties) {
        MqttProperties properties = new MqttProperties();
        properties.setContentType(contentType);
        properties.setPayloadFormat(true);
        properties.setMessageExpiryInterval(3600L);
        properties.setTopicAlias(7);
        List<UserProperty> user = new ArrayList<>();
        for (int i = 0; i < userProperties; i++) {
            user.add(new UserProperty("event_id_" + i, "0b7c8a52-6d0e-4f61-9d4a-1c2e3f405162"));
        }
        properties.setUserProperties(user);
        return properties;
    }

    private static MqttMessage message(int payloadBytes, MqttProperties properties) {
        MqttMessage message = new MqttMessage("x".repeat(payloadBytes).getBytes(StandardCharsets.US_ASCII));
        message.setQos(1);
        if (properties != null) {
            message.setProperties(properties);
        }
        return message;
    }
}
