package org.nemo.bridge.outbound;

import java.util.function.Supplier;

/**
 * Signs a payload with the HMAC key of the broker settings in use (bridge.mqtt.hmac-key, or the
 * plugin's configuration table): the plugin's envelope ({@link HmacEnvelope}), or the payload as
 * it is while no key is set. The key can change with a configuration reload, so it is read for
 * every message.
 */
public class HmacSigner {

    private final Supplier<String> key;

    public HmacSigner(Supplier<String> key) {
        this.key = key;
    }

    public byte[] sign(byte[] payload) {
        String k = key.get();
        return k == null ? payload : HmacEnvelope.wrap(payload, k);
    }
}
