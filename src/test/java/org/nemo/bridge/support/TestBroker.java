package org.nemo.bridge.support;

import java.net.URI;

/** A real MQTT 5 broker a test can stop and start again on the same port. */
public interface TestBroker extends AutoCloseable {

    /** A private Mosquitto, the broker labs run, where it is installed (CI installs it); else the embedded HiveMQ CE. */
    static TestBroker local() {
        return MosquittoBroker.available() ? new MosquittoBroker() : new HiveMqBroker();
    }

    String url();

    /** The port of {@link #url()}. */
    default int port() {
        return URI.create(url()).getPort();
    }

    void stop();

    void start();

    @Override
    void close();
}
