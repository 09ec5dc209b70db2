package org.nemo.bridge.outbound;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttReturnCode;
import org.nemo.bridge.wire.TopicRules;

/**
 * The publishing connection, behind the mqtt-batch endpoints (the drains, the machine
 * statuses) and the bridge status: one Paho {@link MqttAsyncClient} per broker target, replaced
 * when the broker settings change, so the endpoints keep holding this object and the routes
 * need no restart. Paho's blocking publish treats a PUBACK that carries an error reason code as
 * success; this one reports it, so that a row is {@code published} only when the broker really
 * accepted it. It also refuses, before sending, what the broker would refuse by closing the
 * connection (invalid topic, too large) and what Paho would refuse only on its sender thread,
 * which drops the connection (a control character in the topic or a user property): that
 * message fails alone, the connection stays.
 */
public class OutboundMqttClient {

    private volatile long maximumPacketSize = Long.MAX_VALUE;
    private volatile int receiveMaximum = 65_535;
    private final String clientId;
    private final long timeToWait;
    private final int maxPayloadBytes;
    private volatile MqttAsyncClient client;
    private MqttCallback callback;

    public OutboundMqttClient(String brokerUrl, String clientId, long publishTimeoutMillis, int maxPayloadBytes)
            throws MqttException {
        this.clientId = clientId;
        this.timeToWait = publishTimeoutMillis;
        this.maxPayloadBytes = maxPayloadBytes;
        this.client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
    }

    public synchronized void setCallback(MqttCallback callback) {
        this.callback = callback;
        client.setCallback(callback);
    }

    /** Points this client at another broker (a configuration reload): a new Paho client for it. Call while disconnected. */
    synchronized void retarget(String brokerUrl) throws MqttException {
        if (brokerUrl.equals(client.getServerURI())) {
            return;
        }
        MqttAsyncClient old = client;
        MqttAsyncClient next = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        if (callback != null) {
            next.setCallback(callback);
        }
        client = next;
        maximumPacketSize = Long.MAX_VALUE;
        receiveMaximum = 65_535;
        try {
            old.close(true);
        } catch (MqttException e) {
            // the old connection is being abandoned either way
        }
    }

    private MqttAsyncClient current() {
        return client;
    }

    public String getServerURI() {
        return current().getServerURI();
    }

    public boolean isConnected() {
        return current().isConnected();
    }

    /** Connects and waits for the CONNACK (at most the publish timeout); the token holds the broker's properties. */
    public IMqttToken connectWithResult(MqttConnectionOptions options) throws MqttException {
        IMqttToken token = current().connect(options);
        token.waitForCompletion(timeToWait);
        return token;
    }

    /** A clean DISCONNECT, waiting at most {@code quiesceMillis} for work in progress and as long for the broker. */
    public void disconnect(long quiesceMillis) throws MqttException {
        current().disconnect(quiesceMillis).waitForCompletion(quiesceMillis);
    }

    public void disconnectForcibly(long quiesceMillis, long disconnectMillis, boolean sendDisconnect) throws MqttException {
        current().disconnectForcibly(quiesceMillis, disconnectMillis, sendDisconnect);
    }

    /** Releases the Paho client's threads for good. */
    public void close() throws MqttException {
        current().close(true);
    }

    /** The broker's Maximum Packet Size from its CONNACK, when it sent one. */
    void setMaximumPacketSize(Long size) {
        this.maximumPacketSize = size == null || size <= 0 ? Long.MAX_VALUE : size;
    }

    /** The broker's Receive Maximum from its CONNACK: how many QoS 1 publishes may await their PUBACK at once. */
    void setReceiveMaximum(Integer maximum) {
        this.receiveMaximum = maximum == null || maximum <= 0 ? 65_535 : maximum;
    }

    public int receiveMaximum() {
        return receiveMaximum;
    }

    /** Publishes and waits for the broker's acceptance (see {@link #awaitAccepted}). */
    public void publish(String topic, MqttMessage message) throws MqttException {
        IMqttToken token = publishAsync(topic, message);
        awaitAccepted(token, topic);
    }

    /**
     * Sends without waiting for the PUBACK; {@link #awaitAccepted} waits for it. Refuses what the
     * broker or Paho would refuse ({@link PublishRejectedException}) before sending.
     */
    public IMqttToken publishAsync(String topic, MqttMessage message) throws MqttException {
        check(topic, message);
        try {
            return publishWithinReceiveMaximum(topic, message);
        } catch (IllegalArgumentException e) {
            // refused by Paho for this message alone
            throw new PublishRejectedException("the MQTT client refused the message on '" + TopicRules.printable(topic) + "': "
                    + TopicRules.printable(e.getMessage()));
        }
    }

    /**
     * Waits for the PUBACK: {@link PublishRejectedException} when it carries an error reason code,
     * an {@link MqttException} when none came in time or the connection was lost.
     */
    public void awaitAccepted(IMqttToken token, String topic) throws MqttException {
        token.waitForCompletion(timeToWait);
        int[] reasonCodes = token.getReasonCodes();
        if (reasonCodes != null && reasonCodes.length > 0 && reasonCodes[0] >= MqttReturnCode.RETURN_CODE_UNSPECIFIED_ERROR) {
            throw new PublishRejectedException("broker rejected the message on " + topic + " with reason code 0x"
                    + Integer.toHexString(reasonCodes[0]) + " (" + ReasonCodes.describe(reasonCodes[0]) + ")");
        }
    }

    /**
     * Paho completes a QoS 1 token on PUBACK a moment before it frees the in-flight slot, so
     * the next publish can briefly see "too many publishes in progress" (32202) although
     * none is outstanding. That is not an outage: give Paho a millisecond, a few times.
     */
    private IMqttToken publishWithinReceiveMaximum(String topic, MqttMessage message) throws MqttException {
        for (int attempt = 1; ; attempt++) {
            try {
                return current().publish(topic, message, null, null);
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT || attempt >= 50) {
                    throw e;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Publishes without waiting: for the bridge status from Paho's callback thread. */
    public void publishNoWait(String topic, MqttMessage message) throws MqttException {
        current().publish(topic, message);
    }

    private void check(String topic, MqttMessage message) {
        String problem = TopicRules.problemWithTopic(topic);
        if (problem != null) {
            throw new PublishRejectedException("invalid topic: " + problem);
        }
        int payloadBytes = message.getPayload().length;
        if (payloadBytes > maxPayloadBytes) {
            throw new PublishRejectedException("payload of " + payloadBytes + " bytes is over bridge.mqtt.max-payload-bytes ("
                    + maxPayloadBytes + ")");
        }
        int headerBytes;
        try {
            // encoded here as the sender thread would (topic, user properties): what it refuses fails this message only
            headerBytes = new MqttPublish(topic, message, message.getProperties()).getHeader().length;
        } catch (MqttException | IllegalArgumentException e) {
            throw new PublishRejectedException("the MQTT client cannot encode the message on '" + TopicRules.printable(topic)
                    + "': " + TopicRules.printable(e.getMessage()));
        }
        // fixed and variable header (topic, properties) + payload: the packet as the broker counts it
        long packetBytes = (long) headerBytes + payloadBytes;
        if (packetBytes > maximumPacketSize) {
            throw new PublishRejectedException("message of " + packetBytes + " bytes is over the broker's maximum packet size ("
                    + maximumPacketSize + ")");
        }
    }
}
