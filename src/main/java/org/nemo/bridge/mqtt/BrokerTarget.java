package org.nemo.bridge.mqtt;

/**
 * Where and how to publish right now: from application.yaml, or from the plugin's enabled
 * row in nemo_mqtt_mqttconfiguration. {@code fingerprint} changes when the settings do.
 * {@code toString} never shows the password or the HMAC key.
 */
public record BrokerTarget(String url, String username, String password, int keepAlive, String hmacKey,
                           String fingerprint, String source) {

    @Override
    public String toString() {
        return url + (username == null || username.isBlank() ? "" : " as " + username) + " (" + source + ")";
    }
}
