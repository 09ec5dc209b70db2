package org.nemo.bridge.mqtt;

/**
 * An event that can never be published as it is: the broker refused it (a PUBACK reason code
 * of 0x80 or more), it is larger than the broker accepts, or its row cannot be turned into a
 * message. Its outbox row goes {@code dead} with this message; the rows behind it go on.
 */
public class PublishRejectedException extends RuntimeException {

    public PublishRejectedException(String message) {
        super(message);
    }
}
