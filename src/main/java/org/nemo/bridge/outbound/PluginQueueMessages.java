package org.nemo.bridge.outbound;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;

/**
 * A row of the Django plugin's queue as the plugin's own bridge published it: topic, payload,
 * QoS and retain verbatim, the payload wrapped in the HMAC envelope when HMAC is on.
 */
public class PluginQueueMessages {

    private final Supplier<String> hmacKey;

    public PluginQueueMessages(Supplier<String> hmacKey) {
        this.hmacKey = hmacKey;
    }

    public void toMqtt(Exchange exchange) {
        @SuppressWarnings("unchecked")
        Map<String, Object> row = exchange.getMessage().getBody(Map.class);
        String topic = (String) row.get("topic");
        exchange.setProperty("queueId", ((Number) row.get("id")).longValue());
        exchange.setProperty("queueTopic", topic);
        exchange.setProperty("createdAt", ToolMessages.instant(row.get("created_at")));
        Object payload = row.get("payload");
        if (topic == null || topic.isBlank() || payload == null) {
            throw new PublishRejectedException("plugin queue row without a topic or payload");
        }
        int qos = row.get("qos") instanceof Number n ? n.intValue() : 1;
        if (qos < 0 || qos > 2) {
            throw new PublishRejectedException("plugin queue row with QoS " + qos);
        }
        byte[] bytes = payload.toString().getBytes(StandardCharsets.UTF_8);
        String key = hmacKey.get();
        var out = exchange.getMessage();
        out.setHeader(PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC, topic);
        out.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_QOS, qos);
        out.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_RETAINED, Boolean.TRUE.equals(row.get("retain")));
        out.setBody(key == null ? bytes : HmacEnvelope.wrap(bytes, key));
    }
}
