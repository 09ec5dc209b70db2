package org.nemo.bridge.ops;

import org.nemo.bridge.config.BridgeProperties;
import org.springframework.stereotype.Component;

/** bridge.outbox.retention as the seconds the purge query takes (YAML cannot turn "7d" into a number). */
@Component("retentionSettings")
public class RetentionSettings {

    private final BridgeProperties properties;

    public RetentionSettings(BridgeProperties properties) {
        this.properties = properties;
    }

    public long retentionSeconds() {
        return properties.outbox().retention().toSeconds();
    }
}
