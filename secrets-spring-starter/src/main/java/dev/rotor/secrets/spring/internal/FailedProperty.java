package dev.rotor.secrets.spring.internal;

import java.util.Objects;

/**
 * Attached (as a suppressed exception) to a {@link dev.rotor.secrets.SecretException} that stops the start-up, to say
 * which property led to the secret: {@code spring.config.import} or {@code rotor.datasource.ref}. {@link
 * RotorFailureAnalyzer} reads it; the failure keeps its own type. Names the property and the ref, never a value; no
 * stack trace.
 */
final class FailedProperty extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String property;
    private final String location;

    FailedProperty(String property, String location) {
        super("while reading " + property + " (" + location + ")", null, false, false);
        this.property = Objects.requireNonNull(property, "property");
        this.location = Objects.requireNonNull(location, "location");
    }

    String property() {
        return property;
    }

    /** What the property says: the import location or the ref. */
    String location() {
        return location;
    }
}
