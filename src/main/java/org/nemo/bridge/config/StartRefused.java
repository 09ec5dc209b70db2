package org.nemo.bridge.config;

/**
 * A start the bridge refuses, with the one line that says why and names the setting to fix.
 * Reported by {@link StartFailureAnalyzer} without a stack trace.
 */
public class StartRefused extends RuntimeException {

    public StartRefused(String reason) {
        super(reason);
    }
}
