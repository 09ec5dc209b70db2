package org.nemo.bridge.mqtt;

/**
 * A drain asked for the connection before the client's first CONNACK, and the connect it made
 * failed (the reason is logged once by {@link BrokerConnection}). The drain's redelivery
 * (routes/outbound-errors.yaml) asks again with back-off; no stack trace, it is thrown per retry.
 */
public class BrokerConnectFailedException extends Exception {

    public BrokerConnectFailedException(String message) {
        super(message, null, false, false);
    }
}
