package org.nemo.bridge.mqtt;

/**
 * Published (as a Spring application event) when the broker settings in use change while the
 * service runs, a reload of the plugin's table: the publishing connection has moved, and every
 * other connection of the service (the inbound sessions) follows it. {@code next} is null when
 * no configuration is enabled any more.
 */
public record BrokerSwitched(BrokerTarget previous, BrokerTarget next) {
}
