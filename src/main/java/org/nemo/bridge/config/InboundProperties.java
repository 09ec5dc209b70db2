package org.nemo.bridge.config;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** The {@code bridge.inbound.*} settings; commented in application.yaml. */
@ConfigurationProperties("bridge.inbound")
public record InboundProperties(
        @DefaultValue("factory/machine/+/telemetry") String telemetryTopic,
        @DefaultValue("nemo/inbound/#") String eventsTopic,
        String sharedGroup,
        @DefaultValue("nemo-mqtt-bridge-in") String clientId,
        @DefaultValue("1h") Duration sessionExpiry,
        @DefaultValue("1000") int receiveMaximum,
        @DefaultValue("25165824") long maxInflightBytes,
        @DefaultValue("500") int batchSize,
        @DefaultValue("262144") int maxPayloadBytes,
        @DefaultValue("15s") Duration machineOfflineAfter,
        @DefaultValue("1s") Duration livenessCheckInterval,
        @DefaultValue("factory/machine/{machine_id}/status") String statusTopic,
        @DefaultValue("[\\p{L}\\p{N}][\\p{L}\\p{N}._-]{0,63}") String machineIdPattern,
        @DefaultValue("1000") int maxMachines,
        @DefaultValue("1024") int rejectedKeepBytes,
        @DefaultValue("7d") Duration rejectedRetention,
        @DefaultValue("5m") Duration maxClockSkew,
        Duration purgeInterval,
        int purgeBatch) {
}
