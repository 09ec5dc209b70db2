package org.nemo.bridge.mqtt;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.nemo.bridge.wire.LogText;
import org.nemo.bridge.wire.TopicRules;

/**
 * The publishing connection's client, behind the mqtt-batch endpoints (the drains, the machine
 * statuses) and the bridge status: one Paho {@link MqttAsyncClient} per broker target, replaced
 * when the broker settings change, so the endpoints keep holding this object and the routes
 * need no restart. Paho's blocking publish treats a PUBACK that carries an error reason code as
 * success; this one reports it, so that a row is {@code published} only when the broker really
 * accepted it. It also refuses, before sending, what the broker would refuse by closing the
 * connection (invalid topic, too large) and what Paho would refuse only on its sender thread,
 * which drops the connection (a control character in the topic or a user property): that
 * message fails alone, the connection stays. And it keeps every publisher on the connection
 * (both drains, the machine statuses, the bridge status) within the broker's Receive Maximum
 * together, so that Paho never refuses a publish for it (see {@link #takeSlot()}).
 */
public class OutboundMqttClient {

    private volatile long maximumPacketSize = Long.MAX_VALUE;
    /** Guards the places among the messages awaiting their PUBACK (see {@link #takeSlot()}). */
    private final Object slots = new Object();
    private volatile int receiveMaximum = 65_535;
    private int inFlight;
    private long connection;
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
        if (!brokerUrl.equals(client.getServerURI())) {
            replace(brokerUrl);
        }
    }

    /** A fresh Paho client for the same broker, the old one closed: its automatic reconnect, if under way, ends with it. */
    synchronized void renew() throws MqttException {
        replace(client.getServerURI());
    }

    private void replace(String brokerUrl) throws MqttException {
        MqttAsyncClient old = client;
        MqttAsyncClient next = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        if (callback != null) {
            next.setCallback(callback);
        }
        client = next;
        maximumPacketSize = Long.MAX_VALUE;
        setReceiveMaximum(null);
        try {
            old.close(true);
        } catch (MqttException e) {
            // the old connection is being abandoned either way
        }
    }

    private MqttAsyncClient current() {
        return client;
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

    /** The broker's Receive Maximum from its CONNACK: how many publishes may await their PUBACK at once. */
    void setReceiveMaximum(Integer maximum) {
        synchronized (slots) {
            receiveMaximum = maximum == null || maximum <= 0 ? 65_535 : maximum;
            slots.notifyAll();
        }
    }

    /** A new connection starts with nothing awaiting a PUBACK, as Paho's own count does. */
    void connectionStarted() {
        synchronized (slots) {
            connection++;
            inFlight = 0;
            slots.notifyAll();
        }
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
     * broker or Paho would refuse ({@link PublishRejectedException}) before sending. Waits (at
     * most the publish timeout) while the broker's Receive Maximum of messages, from every
     * publisher on this connection, still await their PUBACK.
     */
    public IMqttToken publishAsync(String topic, MqttMessage message) throws MqttException {
        check(topic, message);
        long slot = takeSlot();
        boolean sent = false;
        try {
            // a topic alias Paho gave this message on an earlier attempt belongs to that attempt's connection
            if (message.getProperties() != null) {
                message.getProperties().setTopicAlias(null);
            }
            IMqttToken token = current().publish(topic, message, null, new SlotRelease(slot));
            sent = true;
            return token;
        } catch (IllegalArgumentException e) {
            // refused by Paho for this message alone
            throw new PublishRejectedException("the MQTT client refused the message on '" + LogText.of(topic) + "': "
                    + LogText.of(e.getMessage()));
        } catch (MqttException e) {
            if (e.getReasonCode() == MqttClientException.REASON_CODE_MAX_INFLIGHT) {
                // the broker allows fewer than its CONNACK said (or this connection's CONNACK was
                // Paho's own reconnect's): take what was in flight as the limit from now on
                synchronized (slots) {
                    receiveMaximum = Math.max(1, inFlight - 1);
                }
            }
            throw e;
        } finally {
            if (!sent) {
                releaseSlot(slot);
            }
        }
    }

    /**
     * Waits for the PUBACK: {@link PublishRejectedException} when it carries an error reason code,
     * an {@link MqttException} when none came in time or the connection was lost.
     */
    public void awaitAccepted(IMqttToken token, String topic) throws MqttException {
        token.waitForCompletion(timeToWait);
        int code = BrokerProblems.errorCode(token.getReasonCodes());
        if (code != 0) {
            throw new PublishRejectedException("broker rejected the message on " + topic + " with reason code 0x"
                    + Integer.toHexString(code) + " (" + BrokerProblems.describe(code) + ")");
        }
    }

    /**
     * A place among the messages awaiting their PUBACK. Paho refuses a publish beyond the
     * broker's Receive Maximum only after it has given the message's topic a topic alias, which
     * it then uses for that topic without ever having sent the mapping: the broker cuts the
     * connection for a protocol error. So no publish reaches Paho without a free place.
     *
     * @return the connection the place belongs to
     */
    private long takeSlot() throws MqttException {
        long deadline = System.currentTimeMillis() + timeToWait;
        synchronized (slots) {
            while (inFlight >= receiveMaximum) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new MqttException(MqttClientException.REASON_CODE_CLIENT_TIMEOUT);
                }
                try {
                    slots.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MqttException(MqttClientException.REASON_CODE_CLIENT_TIMEOUT, e);
                }
            }
            inFlight++;
            return connection;
        }
    }

    private void releaseSlot(long slotConnection) {
        synchronized (slots) {
            // a message of an earlier connection: that count started again from none
            if (slotConnection == connection && inFlight > 0) {
                inFlight--;
                slots.notifyAll();
            }
        }
    }

    /**
     * Gives the place back once Paho is done with the message: Paho calls a publish's listener
     * only after it has freed the message's place in its own count of the broker's Receive
     * Maximum (its token completes a moment earlier).
     */
    private final class SlotRelease implements MqttActionListener {

        private final long slotConnection;

        SlotRelease(long slotConnection) {
            this.slotConnection = slotConnection;
        }

        @Override
        public void onSuccess(IMqttToken token) {
            releaseSlot(slotConnection);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable exception) {
            releaseSlot(slotConnection);
        }
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
        MqttProperties properties = message.getProperties();
        // what the sender thread would refuse is refused here, for this message only. Printable
        // ASCII it takes as it is, one byte a character: such a message needs encoding here only
        // when it may come near the broker's maximum packet size (1.4 µs a message otherwise)
        long plainHeader = plainHeaderBound(topic, properties);
        if (plainHeader != Long.MAX_VALUE && payloadBytes + plainHeader <= maximumPacketSize) {
            return;
        }
        int headerBytes;
        try {
            // encoded here as the sender thread would (topic, user properties)
            headerBytes = new MqttPublish(topic, message, properties).getHeader().length;
        } catch (MqttException | IllegalArgumentException e) {
            throw new PublishRejectedException("the MQTT client cannot encode the message on '" + LogText.of(topic)
                    + "': " + LogText.of(e.getMessage()));
        }
        // fixed and variable header (topic, properties) + payload: the packet as the broker counts it
        long packetBytes = (long) headerBytes + payloadBytes;
        if (packetBytes > maximumPacketSize) {
            throw new PublishRejectedException("message of " + packetBytes + " bytes is over the broker's maximum packet size ("
                    + maximumPacketSize + ")");
        }
    }

    /**
     * At least the bytes of the fixed and variable header (MQTT 5, 3.3.1–3.3.2) of a message whose
     * topic and properties are printable ASCII and limited to those the drains set (content type,
     * payload format, expiry, user properties); {@link Long#MAX_VALUE} for any other, which is
     * then encoded.
     */
    static long plainHeaderBound(String topic, MqttProperties properties) {
        // fixed header (type and flags, remaining length of up to 4 bytes), topic length, packet
        // identifier, property length (up to 4), payload format (2), expiry (5), topic alias (3)
        long bytes = 5 + 2 + 2 + 4 + 2 + 5 + 3;
        if (!printableAscii(topic)) {
            return Long.MAX_VALUE;
        }
        bytes += topic.length();
        if (properties == null) {
            return bytes;
        }
        if (properties.getResponseTopic() != null || properties.getCorrelationData() != null
                || !properties.getSubscriptionIdentifiers().isEmpty()) {
            return Long.MAX_VALUE;
        }
        String contentType = properties.getContentType();
        if (contentType != null) {
            if (!printableAscii(contentType)) {
                return Long.MAX_VALUE;
            }
            bytes += 3 + contentType.length();
        }
        for (UserProperty p : properties.getUserProperties()) {
            if (!printableAscii(p.getKey()) || !printableAscii(p.getValue())) {
                return Long.MAX_VALUE;
            }
            bytes += 5 + p.getKey().length() + p.getValue().length();
        }
        return bytes;
    }

    private static boolean printableAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
