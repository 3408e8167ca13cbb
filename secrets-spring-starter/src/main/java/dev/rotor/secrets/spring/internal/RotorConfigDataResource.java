package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretRef;
import java.util.Objects;
import java.util.Optional;
import org.springframework.boot.context.config.ConfigDataResource;

/**
 * One {@code rotor:<ref>} import: the ref to read (without the import's own parameters) and the prefix its property
 * names get. Immutable; equal when ref, prefix and optionality are.
 *
 * <pre>{@code
 * spring.config.import=optional:rotor:file:/run/secrets/db?prefix=db.   # ref file:/run/secrets/db, prefix "db."
 * }</pre>
 */
public final class RotorConfigDataResource extends ConfigDataResource {
    private final SecretRef ref;
    private final String prefix;
    private final boolean optional;

    RotorConfigDataResource(SecretRef ref, String prefix, boolean optional) {
        super(optional);
        this.ref = Objects.requireNonNull(ref, "ref");
        this.prefix = prefix;
        this.optional = optional;
    }

    /** The ref as the source sees it, field included if the import named one. */
    public SecretRef ref() {
        return ref;
    }

    /** What every property name starts with; empty when no {@code prefix} parameter was given. */
    public Optional<String> prefix() {
        return Optional.ofNullable(prefix);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RotorConfigDataResource)) {
            return false;
        }
        RotorConfigDataResource other = (RotorConfigDataResource) o;
        return ref.equals(other.ref) && Objects.equals(prefix, other.prefix) && optional == other.optional;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ref, prefix, optional);
    }

    @Override
    public String toString() {
        return "rotor:" + ref + (prefix == null ? "" : " (prefix " + prefix + ")");
    }
}
