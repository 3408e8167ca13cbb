package dev.rotor.secrets;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What an application declares about a secret it depends on: who owns it, how old it may get before it counts as
 * overdue for rotation, and whether the application is unhealthy without it. Declared secrets appear in {@link
 * Secrets#inventory()} even before their first read. Immutable.
 *
 * <pre>{@code
 * Secrets.builder().declare(SecretDeclaration.of("vault:database/creds/app").owner("payments-team")
 *         .maxAge(Duration.ofDays(30)).required(true))
 * }</pre>
 */
public final class SecretDeclaration {
    private final SecretRef ref;
    private final String owner;
    private final Duration maxAge;
    private final boolean required;
    private final RefreshPolicy refreshPolicy;

    private SecretDeclaration(
            SecretRef ref, String owner, Duration maxAge, boolean required, RefreshPolicy refreshPolicy) {
        this.ref = ref;
        this.owner = owner;
        this.maxAge = maxAge;
        this.required = required;
        this.refreshPolicy = refreshPolicy;
    }

    public static SecretDeclaration of(String ref) {
        return new SecretDeclaration(SecretRef.parse(ref).withoutField(), null, null, false, null);
    }

    public SecretDeclaration owner(String owner) {
        return new SecretDeclaration(ref, Objects.requireNonNull(owner, "owner"), maxAge, required, refreshPolicy);
    }

    public SecretDeclaration maxAge(Duration maxAge) {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new SecretConfigurationException("maxAge must be positive, was " + maxAge, ref, null);
        }
        return new SecretDeclaration(ref, owner, maxAge, required, refreshPolicy);
    }

    public SecretDeclaration required(boolean required) {
        return new SecretDeclaration(ref, owner, maxAge, required, refreshPolicy);
    }

    /**
     * This secret's own refresh policy: the options set on it apply over its source's policy, for this secret only (a
     * database password that must follow rotations within seconds, on a source that otherwise polls every few
     * minutes).
     */
    public SecretDeclaration refreshPolicy(RefreshPolicy policy) {
        return new SecretDeclaration(ref, owner, maxAge, required, Objects.requireNonNull(policy, "refreshPolicy"));
    }

    /** The declared secret's own policy layer, if it has one. */
    public Optional<RefreshPolicy> refreshPolicy() {
        return Optional.ofNullable(refreshPolicy);
    }

    public SecretRef ref() {
        return ref;
    }

    public Optional<String> owner() {
        return Optional.ofNullable(owner);
    }

    public Optional<Duration> maxAge() {
        return Optional.ofNullable(maxAge);
    }

    public boolean required() {
        return required;
    }

    @Override
    public String toString() {
        return "SecretDeclaration{ref=" + ref + ", owner=" + owner + ", maxAge=" + maxAge + ", required=" + required
                + (refreshPolicy == null ? "" : ", refreshPolicy=" + refreshPolicy.overrides()) + "}";
    }
}
