package org.nemo.bridge.inbound;

import org.nemo.bridge.config.InboundProperties;

/** bridge.inbound.rejected-retention as the seconds the purge queries take (YAML cannot turn "7d" into a number). */
public class InboundRetention {

    private final InboundProperties inbound;

    public InboundRetention(InboundProperties inbound) {
        this.inbound = inbound;
    }

    public long retentionSeconds() {
        return inbound.rejectedRetention().toSeconds();
    }
}
