package org.nemo.bridge.mqtt;

/**
 * The drain found no connection to the broker before fetching a batch: nothing was fetched or
 * sent, so the drain asks again shortly (routes/outbound-errors.yaml) instead of backing off.
 * Thrown every few hundred milliseconds while the broker is away, so it carries no stack trace.
 */
public class BrokerUnavailableException extends Exception {

    public BrokerUnavailableException(String message) {
        super(message, null, false, false);
    }
}
