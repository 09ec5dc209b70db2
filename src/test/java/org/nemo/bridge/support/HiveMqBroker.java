package org.nemo.bridge.support;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.nemo.demo.EmbeddedMqttBroker;

/** The embedded HiveMQ CE broker of the demo, on a free port. */
public class HiveMqBroker implements TestBroker {

    private final EmbeddedMqttBroker broker;

    public HiveMqBroker() {
        try {
            broker = new EmbeddedMqttBroker(0).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String url() {
        return broker.url();
    }

    @Override
    public void stop() {
        broker.stop();
    }

    @Override
    public void start() {
        broker.start();
    }

    @Override
    public void close() {
        broker.close();
    }
}
