package org.nemo.bridge.outbound;

/**
 * The drain found no connection to the broker before fetching a batch: nothing was fetched or
 * sent, so the drain asks again shortly (routes/outbound-errors.yaml) instead of backing off.
 */
public class BrokerUnavailableException extends Exception {

    public BrokerUnavailableException(String message) {
        super(message);
    }
}
