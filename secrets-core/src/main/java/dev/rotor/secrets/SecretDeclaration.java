package dev.rotor.secrets;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What an application declares about a secret it depends on: who owns it, how old it may get before it counts as
 * overdue for rotation, how often the store is expected to rotate it, how critical it is, and whether the application
 * is unhealthy without it. Declared secrets appear in {@link Secrets#inventory()} even before their first read, and
 * their freshness objective is tracked (see {@link SecretSlo}). Immutable.
 *
 * <p>Defaults: no owner, no maximum age, no rotation cadence, {@link Criticality#MEDIUM}, not required.
 *
 * <pre>{@code
 * Secrets.builder().declare(SecretDeclaration.of("vault:database/creds/app").owner("payments-team")
 *         .maxAge(Duration.ofDays(30)).rotationCadence(Duration.ofDays(7)).criticality(Criticality.CRITICAL)
 *         .required(true))
 * }</pre>
 */
public final class SecretDeclaration {
    private final SecretRef ref;
    private final String owner;
    private final Duration maxAge;
    private final boolean required;
    private final RefreshPolicy refreshPolicy;
    private final Duration rotationCadence;
    private final Criticality criticality;

    private SecretDeclaration(
            SecretRef ref, String owner, Duration maxAge, boolean required, RefreshPolicy refreshPolicy) {
        this(ref, owner, maxAge, required, refreshPolicy, null, Criticality.MEDIUM);
    }

    @SuppressWarnings("ParameterNumber")
    private SecretDeclaration(
            SecretRef ref,
            String owner,
            Duration maxAge,
            boolean required,
            RefreshPolicy refreshPolicy,
            Duration rotationCadence,
            Criticality criticality) {
        this.ref = ref;
        this.owner = owner;
        this.maxAge = maxAge;
        this.required = required;
        this.refreshPolicy = refreshPolicy;
        this.rotationCadence = rotationCadence;
        this.criticality = criticality;
    }

    public static SecretDeclaration of(String ref) {
        return new SecretDeclaration(SecretRef.parse(ref).withoutField(), null, null, false, null);
    }

    /**
     * How often the store is expected to rotate this secret (its rotation schedule). A secret that gets more than
     * three new versions ({@link SignalThresholds#versionsPerCadence()}) within one cadence is reported as rotating too often ({@link
     * SecretEventType#ROTATION_TOO_FREQUENT}). Unset by default: no such check.
     */
    public SecretDeclaration rotationCadence(Duration cadence) {
        Objects.requireNonNull(cadence, "rotationCadence");
        if (cadence.isNegative() || cadence.isZero()) {
            throw new SecretConfigurationException("rotationCadence must be positive, was " + cadence, ref, null);
        }
        return new SecretDeclaration(ref, owner, maxAge, required, refreshPolicy, cadence, criticality);
    }

    /** How critical the secret is to the application (default {@link Criticality#MEDIUM}); a label only. */
    public SecretDeclaration criticality(Criticality criticality) {
        return new SecretDeclaration(
                ref,
                owner,
                maxAge,
                required,
                refreshPolicy,
                rotationCadence,
                Objects.requireNonNull(criticality, "criticality"));
    }

    /** The expected rotation cadence, if declared. */
    public Optional<Duration> rotationCadence() {
        return Optional.ofNullable(rotationCadence);
    }

    /** The declared criticality; {@link Criticality#MEDIUM} unless set. */
    public Criticality criticality() {
        return criticality;
    }

    public SecretDeclaration owner(String owner) {
        return new SecretDeclaration(
                ref,
                Objects.requireNonNull(owner, "owner"),
                maxAge,
                required,
                refreshPolicy,
                rotationCadence,
                criticality);
    }

    public SecretDeclaration maxAge(Duration maxAge) {
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new SecretConfigurationException("maxAge must be positive, was " + maxAge, ref, null);
        }
        return new SecretDeclaration(ref, owner, maxAge, required, refreshPolicy, rotationCadence, criticality);
    }

    public SecretDeclaration required(boolean required) {
        return new SecretDeclaration(ref, owner, maxAge, required, refreshPolicy, rotationCadence, criticality);
    }

    /**
     * This secret's own refresh policy: the options set on it apply over its source's policy, for this secret only (a
     * database password that must follow rotations within seconds, on a source that otherwise polls every few
     * minutes).
     */
    public SecretDeclaration refreshPolicy(RefreshPolicy policy) {
        return new SecretDeclaration(
                ref,
                owner,
                maxAge,
                required,
                Objects.requireNonNull(policy, "refreshPolicy"),
                rotationCadence,
                criticality);
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
                + (rotationCadence == null ? "" : ", rotationCadence=" + rotationCadence)
                + ", criticality=" + criticality
                + (refreshPolicy == null ? "" : ", refreshPolicy=" + refreshPolicy.overrides()) + "}";
    }
}
