package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SourceUnavailableException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Explains a start-up that Rotor stopped: which property to fix ({@code spring.config.import}, {@code
 * rotor.datasource.ref}, or the {@code rotor.*} property a configuration error names) and how. It repeats Rotor's own
 * message (ref and source, never a value) and never reads a property's value. Registered in {@code
 * META-INF/spring.factories} under {@code org.springframework.boot.diagnostics.FailureAnalyzer}, ahead of Spring Boot's
 * own analyzers, so that a missing {@code rotor:} import gets Rotor's explanation.
 *
 * <pre>{@code
 * Description:
 * spring.config.import names rotor:file:/run/secrets/db, which could not be loaded: no secret at ... (source file)
 * Action:
 * Check that the secret is there (a mounted secret: that its volume is mounted at that path), correct the location
 * in spring.config.import, or write optional:rotor:... to start without it.
 * }</pre>
 */
public final class RotorFailureAnalyzer extends AbstractFailureAnalyzer<SecretException> implements Ordered {
    private static final Pattern PROPERTY = Pattern.compile("(rotor\\.[a-z0-9\\-.\\[\\]*]*[a-z0-9\\]*])");
    private static final int MAX_STEPS = 32;

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SecretException cause) {
        Optional<FailedProperty> named = named(rootFailure);
        String property = named.map(FailedProperty::property).orElseGet(() -> mentioned(cause));
        String location = named.map(FailedProperty::location).orElse(null);
        String description = describe(property, location, cause);
        return new FailureAnalysis(description, action(property, location, cause), cause);
    }

    private static String describe(String property, String location, SecretException cause) {
        if (location == null) {
            return "Rotor stopped the start-up (property " + property + "): " + cause.getMessage();
        }
        return property + " names " + location + ", which could not be loaded: " + cause.getMessage();
    }

    private static String action(String property, String location, SecretException cause) {
        boolean imported = "spring.config.import".equals(property);
        String where = location == null ? property : location;
        if (cause instanceof SecretNotFoundException) {
            return "Check that the secret " + where + " exists (for a mounted secret: that its volume is mounted at"
                    + " that path), correct " + property
                    + (imported ? ", or write optional:" + where + " to start without it." : ".");
        }
        if (cause instanceof SourceUnavailableException) {
            String source = cause.source().map(s -> "source " + s).orElse("the store");
            return "Check that " + source + " is reachable from this host (rotor.vault.address, rotor.aws.region or"
                    + " rotor.aws.endpoint say where it is) and start again; the start-up needs the first version of "
                    + where + ".";
        }
        if (cause instanceof SecretAccessDeniedException) {
            return "Grant this application read access to " + where + " in the store (its policy or role), or correct "
                    + property + ".";
        }
        if (cause instanceof SecretFormatException) {
            return "Correct the content of " + where + " (see the file formats in Rotor's README), or correct "
                    + property + ".";
        }
        if (cause instanceof SecretConfigurationException) {
            return "Correct " + property + " in the application's configuration; the starter's README lists every"
                    + " rotor.* property with its default.";
        }
        return "Correct " + property + ", or check the store that holds " + where + ".";
    }

    /** The property a {@link FailedProperty} in the failure's causes or suppressed exceptions names. */
    private static Optional<FailedProperty> named(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        Throwable t = failure;
        for (int steps = 0; t != null && steps < MAX_STEPS && seen.put(t, Boolean.TRUE) == null; steps++) {
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof FailedProperty) {
                    return Optional.of((FailedProperty) s);
                }
            }
            t = t.getCause();
        }
        return Optional.empty();
    }

    /** The first {@code rotor.*} property Rotor's message names, else {@code rotor.*}. */
    private static String mentioned(SecretException cause) {
        String message = cause.getMessage();
        if (message != null) {
            Matcher m = PROPERTY.matcher(message);
            if (m.find()) {
                return m.group(1);
            }
        }
        return "rotor.*";
    }

    /** Before Spring Boot's own analyzers: a missing {@code rotor:} import is Rotor's to explain. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
