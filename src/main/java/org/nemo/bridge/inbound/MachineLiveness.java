package org.nemo.bridge.inbound;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.nemo.bridge.wire.LogText;
import org.nemo.bridge.wire.TopicRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.nemo.bridge.wire.WireTime;

/**
 * Which machines are alive: the cut-off for going offline, the retained
 * {@code factory/machine/{id}/status} message, and the machines-online gauge.
 */
public class MachineLiveness {

    private static final Logger LOG = LoggerFactory.getLogger(MachineLiveness.class);

    private final ObjectMapper json;
    private final Duration offlineAfter;
    private final String statusTopic;
    private final InboundMetrics metrics;
    private volatile String problem;

    /** @param statusTopic with {machine_id} in place of the machine */
    public MachineLiveness(ObjectMapper json, Duration offlineAfter, String statusTopic, InboundMetrics metrics) {
        this.json = json;
        this.offlineAfter = offlineAfter;
        this.statusTopic = statusTopic;
        this.metrics = metrics;
    }

    /** Machines silent since this moment are offline. */
    public Timestamp silentSince() {
        return Timestamp.from(Instant.now().minus(offlineAfter));
    }

    /** Built through TopicRules: a machine id that cannot be a level fails here, never on the MQTT client's sender thread. */
    public String statusTopic(String machineId) {
        return TopicRules.topic(statusTopic.replace("{machine_id}", TopicRules.level(machineId)));
    }

    /** One row of machine-status-owed.sql to a retained QoS 1 message. */
    public void toMqtt(Exchange exchange) throws JsonProcessingException {
        Map<?, ?> row = exchange.getMessage().getBody(Map.class);
        String machineId = (String) row.get("machine_id");
        boolean online = Boolean.TRUE.equals(row.get("online"));
        Instant lastSeen = row.get("last_seen") instanceof Timestamp ts ? ts.toInstant() : Instant.now();
        ObjectNode status = json.createObjectNode();
        status.put("machine_id", machineId);
        status.put("online", online);
        status.put("last_seen", WireTime.format(lastSeen));
        MqttProperties properties = new MqttProperties();
        properties.setContentType("application/json");
        properties.setPayloadFormat(true);
        properties.setUserProperties(List.of(new UserProperty("event_type", online ? "machine_online" : "machine_offline")));
        exchange.setProperty("machineId", machineId);
        exchange.setProperty("machineOnline", online);
        var out = exchange.getMessage();
        out.setHeader(PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC, statusTopic(machineId));
        out.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_QOS, 1);
        out.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_RETAINED, true);
        out.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, properties);
        out.setBody(json.writeValueAsBytes(status));
    }

    /** After a status was acknowledged by the broker. */
    public void published(Exchange exchange) {
        resumed();
        LOG.info("Machine {} is {}", LogText.of(exchange.getProperty("machineId", String.class)),
                Boolean.TRUE.equals(exchange.getProperty("machineOnline")) ? "online" : "offline");
    }

    /** A check or a status failed; the next liveness check does it again (a status stays owed). */
    public void failed(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Throwable cause = e == null ? null : NestedExceptionUtils.getMostSpecificCause(e);
        String now = cause == null ? "unknown" : cause.getMessage() != null ? cause.getMessage() : cause.toString();
        // one line when liveness stalls, whatever the next failures say, and one when it resumes
        if (problem == null) {
            problem = now;
            LOG.warn("Machine liveness stalled ({}); statuses stay owed, retried every liveness check", LogText.of(now));
        }
    }

    private void resumed() {
        if (problem != null) {
            problem = null;
            LOG.info("Machine liveness resumed");
        }
    }

    /** From machine-census.sql: {online, known}; the end of a liveness round. */
    public void census(Map<String, Object> row) {
        resumed();
        metrics.machines(number(row.get("online")), number(row.get("known")));
    }

    private static long number(Object value) {
        return value instanceof Number n ? n.longValue() : 0;
    }
}
