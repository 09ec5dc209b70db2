package org.nemo.bridge.mqtt;

import org.apache.camel.spi.Metadata;

/**
 * The headers of the {@code mqtt-batch:} endpoint (docs/mqtt-batch.md): what each message of
 * the batch carries in, and what the exchange carries out once every PUBACK is in. The message
 * mapping (ToolMessages, PluginQueueMessages) writes the first ones itself, so no route renames
 * a header between the two.
 */
public final class MqttBatchHeaders {

    private MqttBatchHeaders() {
    }

    @Metadata(label = "producer", description = "Every topic the message goes to, in order (its recipient list): a list,"
            + " or one topic. Without it, camel-paho-mqtt5's CamelPahoMqtt5OverrideTopic.", javaType = "java.util.List<String>")
    public static final String TOPICS = "mqttTopics";

    @Metadata(label = "producer", description = "The row the message belongs to. A row's messages stand or fall together:"
            + " acknowledged once every one of them was, refused as soon as one is (the rest of it is not sent)."
            + " Without it, the message is a row of its own, named by its position in the batch.", javaType = "Object")
    public static final String ROW = "mqttRow";

    @Metadata(label = "producer", description = "Why the message can never be published: its row is refused with this"
            + " reason and nothing of it is sent.", javaType = "String")
    public static final String PROBLEM = "mqttProblem";

    @Metadata(label = "producer", description = "The message's QoS (0, 1 or 2). Without it, CamelPahoMqtt5Qos, else the"
            + " endpoint's qos option.", javaType = "int")
    public static final String QOS = "mqttQos";

    @Metadata(label = "producer", description = "Whether the broker retains the message. Without it,"
            + " CamelPahoMqtt5Retained, else false. With sign=events only the messages not retained are signed.",
            javaType = "boolean")
    public static final String RETAINED = "mqttRetained";

    @Metadata(label = "producer", description = "Out: the rows all of whose messages the broker acknowledged, in batch"
            + " order.", javaType = "java.util.List<Object>")
    public static final String ACKNOWLEDGED = "mqttAcknowledged";

    @Metadata(label = "producer", description = "Out: true when publishing stopped before the end of the batch (the"
            + " connection went or a PUBACK was late after some messages were answered, or leadership was lost): the"
            + " rows in neither list stay pending; drain again.", javaType = "boolean")
    public static final String INCOMPLETE = "mqttIncomplete";

    @Metadata(label = "producer", description = "Out: the refused rows, each a map of row, topic and reason (the broker"
            + " answered with a PUBACK reason code of 0x80 or more, the MQTT client refused the message, or it had a"
            + " problem).", javaType = "java.util.List<java.util.Map<String, Object>>")
    public static final String REFUSED = "mqttRefused";
}
