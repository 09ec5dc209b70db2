package org.nemo.bridge.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** The {@code bridge.inbound.*} settings; their defaults and comments are in application.yaml alone. */
@ConfigurationProperties("bridge.inbound")
public record InboundProperties(
        String telemetryTopic,
        String eventsTopic,
        String sharedGroup,
        String clientId,
        Duration sessionExpiry,
        int receiveMaximum,
        long maxInflightBytes,
        int batchSize,
        int maxPayloadBytes,
        Duration machineOfflineAfter,
        Duration livenessCheckInterval,
        String statusTopic,
        String machineIdPattern,
        int maxMachines,
        int rejectedKeepBytes,
        Duration rejectedRetention,
        Duration retainedRetention,
        Duration maxClockSkew,
        Duration purgeInterval,
        int purgeBatch) {
}
