package org.nemo.bridge.mqtt;

/**
 * Where and how to publish right now: from application.yaml, or from the plugin's enabled
 * row in nemo_mqtt_mqttconfiguration. {@code fingerprint} is the row as the plugin's own bridge
 * names it (id@updated_at), shown on the plugin's status page; whether the settings changed is
 * whether two targets differ in anything ({@code equals}), so an edit that keeps
 * {@code updated_at} counts. {@code toString} never shows the password or the HMAC key.
 */
public record BrokerTarget(String url, String username, String password, int keepAlive, String hmacKey,
                           String fingerprint, String source) {

    @Override
    public String toString() {
        return url + (username == null || username.isBlank() ? "" : " as " + username) + " (" + source + ")";
    }
}
