package org.nemo.bridge.display;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The {@code bridge.display.*} settings of the display pages. Defaults live in
 * application.yaml with their comments; the values here only make the object usable alone.
 */
@ConfigurationProperties("bridge.display")
public record DisplayProperties(
        @DefaultValue("NEMO") String labName,
        String logoUrl,
        @DefaultValue("dark") String theme,
        String token,
        @DefaultValue("3s") Duration heartbeatInterval,
        @DefaultValue("8s") Duration staleAfter,
        @DefaultValue("2s") Duration reconnectDelay,
        @DefaultValue("20") int maxClientsPerAddress,
        @DefaultValue("200") int maxClients,
        @DefaultValue("1MB") DataSize clientBuffer,
        @DefaultValue("10s") Duration writeTimeout) {

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
