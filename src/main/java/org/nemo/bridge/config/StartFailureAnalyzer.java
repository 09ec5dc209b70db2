package org.nemo.bridge.config;

import java.util.Arrays;
import java.util.stream.Collectors;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.validation.FieldError;

/**
 * Turns a refused start ({@link StartRefused}) and a bad {@code bridge.*} value into one line
 * that names the setting, its value, where it came from and what is allowed, instead of a
 * stack trace. Anything else is left to Spring Boot's own analyzers.
 */
public class StartFailureAnalyzer implements FailureAnalyzer, Ordered {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        StartRefused refused = find(failure, StartRefused.class);
        if (refused != null) {
            return new FailureAnalysis(refused.getMessage(), null, refused);
        }
        BindException bind = find(failure, BindException.class);
        if (bind != null && bind.getName().toString().startsWith("bridge")) {
            return new FailureAnalysis(describe(bind), null, bind);
        }
        return null;
    }

    private static String describe(BindException bind) {
        if (bind.getCause() instanceof BindValidationException invalid) {
            return invalid.getValidationErrors().getAllErrors().stream().map(error -> {
                if (error instanceof FieldError field) {
                    return setting(field.getField(), invalid.getValidationErrors().getName().toString()) + "="
                            + field.getRejectedValue() + " " + field.getDefaultMessage() + from(Origin.from(field));
                }
                return error.getDefaultMessage();
            }).collect(Collectors.joining("; "));
        }
        String name = bind.getProperty() != null ? bind.getProperty().getName().toString() : bind.getName().toString();
        Object value = bind.getProperty() != null ? bind.getProperty().getValue() : null;
        Class<?> type = bind.getTarget().getType().resolve();
        if (type != null && type.isEnum() && value != null) {
            String allowed = Arrays.stream(type.getEnumConstants()).map(Object::toString).collect(Collectors.joining(", "));
            return name + "='" + value + "' is not one of " + allowed + from(bind.getProperty().getOrigin());
        }
        Throwable root = bind;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return (value == null ? name : name + "='" + value + "'") + ": " + root.getMessage()
                + (bind.getProperty() == null ? "" : from(bind.getProperty().getOrigin()));
    }

    /** A field error names the field within the validated object (mqtt.brokerUrl): give it as the setting. */
    private static String setting(String field, String prefix) {
        String dashed = field.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
        return prefix + "." + dashed;
    }

    private static String from(Origin origin) {
        return origin == null ? "" : " (from " + origin + ")";
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE;
    }
}
