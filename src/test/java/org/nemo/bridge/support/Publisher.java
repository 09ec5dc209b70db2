package org.nemo.bridge.support;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/** A machine or a service, as tests see it: publishes at QoS 1 and waits for every PUBACK. */
public class Publisher implements AutoCloseable {

    private static final int IN_FLIGHT = 200;

    private final MqttAsyncClient client;
    private IMqttToken last;

    public Publisher(String url) {
        try {
            client = new MqttAsyncClient(url, "test-pub-" + UUID.randomUUID(), new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setReceiveMaximum(IN_FLIGHT);
            client.connect(options).waitForCompletion(10_000);
        } catch (MqttException e) {
            throw new IllegalStateException("test publisher could not connect to " + url, e);
        }
    }

    public void publish(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), false);
    }

    public void publish(String topic, byte[] payload) {
        publish(topic, payload, false);
    }

    public void publishRetained(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Returns once the broker has the message queued for sending; {@link #flush()} waits for the PUBACKs. */
    public synchronized void publish(String topic, byte[] payload, boolean retained) {
        MqttMessage message = new MqttMessage(payload, 1, retained, null);
        for (int attempt = 0; ; attempt++) {
            try {
                last = client.publish(topic, message);
                return;
            } catch (MqttException e) {
                // more than the broker lets us have in flight: wait for a PUBACK, then go on
                if (e.getReasonCode() != 32202 || attempt > 10_000) {
                    throw new IllegalStateException(e);
                }
                sleep(1);
            }
        }
    }

    public synchronized void flush() {
        try {
            if (last != null) {
                last.waitForCompletion(60_000);
            }
            while (client.getPendingTokens().length > 0) {
                sleep(5);
            }
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            flush();
            client.disconnect().waitForCompletion(5000);
            client.close(true);
        } catch (MqttException | RuntimeException ignored) {
            // test teardown
        }
    }
}
