package org.nemo.bridge.display;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code bridge.display.*} settings of the display pages. The defaults live in
 * application.yaml alone, with their comments (BridgeProperties says why).
 */
@ConfigurationProperties("bridge.display")
public record DisplayProperties(
        String labName,
        String logoUrl,
        String theme,
        String token,
        Duration heartbeatInterval,
        Duration staleAfter,
        Duration reconnectDelay,
        int maxClientsPerAddress,
        int maxClients,
        DataSize clientBuffer,
        Duration writeTimeout) {

    /** The themes a page can ask for with {@code ?theme=}; anything else falls back to the setting. */
    public String themeOr(String requested) {
        if (requested != null && isTheme(requested)) {
            return requested;
        }
        return isTheme(theme) ? theme : "dark";
    }

    public boolean tokenRequired() {
        return token != null && !token.isBlank();
    }

    private static boolean isTheme(String value) {
        return "dark".equals(value) || "light".equals(value) || "auto".equals(value);
    }
}
