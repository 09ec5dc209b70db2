package org.nemo.bridge.ops;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.stereotype.Component;

/** A retention setting as the seconds the purge statements take (YAML cannot turn "7d" into a number). */
@Component("retentionSettings")
public class RetentionSettings {

    /** @param duration as the setting is written (7d, 12h, PT1H), read as Spring reads a Duration setting */
    public long seconds(String duration) {
        return DurationStyle.detectAndParse(duration).toSeconds();
    }
}
