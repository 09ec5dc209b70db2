package org.nemo.bridge.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;

/**
 * A start that fails for a reason Spring Boot or the bridge understands ends with one log
 * line, the reason, rather than a banner block or a stack trace (Spring Boot's own reporter
 * is silenced in application.yaml).
 */
public class OneLineFailureReport implements FailureAnalysisReporter {

    private static final Logger LOG = LoggerFactory.getLogger("org.nemo.bridge.Start");

    @Override
    public void report(FailureAnalysis analysis) {
        String action = analysis.getAction() == null || analysis.getAction().isBlank() ? "" : " " + analysis.getAction();
        LOG.error("Start refused: {}", (analysis.getDescription() + action).strip().replaceAll("\\s*\\R\\s*", " "));
    }
}
