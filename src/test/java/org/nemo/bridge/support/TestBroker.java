package org.nemo.bridge.support;

/** A real MQTT 5 broker a test can stop and start again on the same port. */
public interface TestBroker extends AutoCloseable {

    String url();

    void stop();

    void start();

    @Override
    void close();
}
