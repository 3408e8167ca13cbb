package dev.rotor.secrets;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One secret in {@link Secrets#inventory()}: what is held, where it came from, how fresh it is. Never a value: the
 * last error is Rotor's own message (refs and sources only) or an exception class name. Immutable.
 */
public final class InventoryEntry {
    private final SecretRef ref;
    private final String source;
    private final String version;
    private final SecretState state;
    private final Instant fetchedAt;
    private final Instant expiresAt;
    private final Instant nextRefresh;
    private final String lastError;
    private final Instant lastErrorAt;
    private final String owner;
    private final Duration maxAge;
    private final boolean required;
    private final boolean fresh;
    private final Instant checkedAt;
    private final boolean waitingForBudget;
    private final Criticality criticality;
    private final Duration rotationCadence;
    private final SecretSlo slo;

    @SuppressWarnings("ParameterNumber")
    public InventoryEntry(
            SecretRef ref,
            String source,
            String version,
            SecretState state,
            Instant fetchedAt,
            Instant expiresAt,
            Instant nextRefresh,
            String lastError,
            Instant lastErrorAt,
            String owner,
            Duration maxAge,
            boolean required,
            boolean fresh) {
        this(
                ref,
                source,
                version,
                state,
                fetchedAt,
                expiresAt,
                nextRefresh,
                lastError,
                lastErrorAt,
                owner,
                maxAge,
                required,
                fresh,
                fetchedAt,
                false);
    }

    /**
     * @param checkedAt when the store last confirmed the version held (a load, a poll that found no change, a
     *     renewal); null when nothing is held
     * @param waitingForBudget whether a look at the store is due but waits for the source's request budget ({@link
     *     RefreshPolicy#requestsPerSecond()})
     */
    @SuppressWarnings("ParameterNumber")
    public InventoryEntry(
            SecretRef ref,
            String source,
            String version,
            SecretState state,
            Instant fetchedAt,
            Instant expiresAt,
            Instant nextRefresh,
            String lastError,
            Instant lastErrorAt,
            String owner,
            Duration maxAge,
            boolean required,
            boolean fresh,
            Instant checkedAt,
            boolean waitingForBudget) {
        this(
                ref,
                source,
                version,
                state,
                fetchedAt,
                expiresAt,
                nextRefresh,
                lastError,
                lastErrorAt,
                owner,
                maxAge,
                required,
                fresh,
                checkedAt,
                waitingForBudget,
                Criticality.MEDIUM,
                null,
                SecretSlo.unused());
    }

    /**
     * @param criticality the declared criticality ({@link Criticality#MEDIUM} for an undeclared secret)
     * @param rotationCadence the declared rotation cadence; null when none is declared
     * @param slo the freshness objective's state
     */
    @SuppressWarnings("ParameterNumber")
    public InventoryEntry(
            SecretRef ref,
            String source,
            String version,
            SecretState state,
            Instant fetchedAt,
            Instant expiresAt,
            Instant nextRefresh,
            String lastError,
            Instant lastErrorAt,
            String owner,
            Duration maxAge,
            boolean required,
            boolean fresh,
            Instant checkedAt,
            boolean waitingForBudget,
            Criticality criticality,
            Duration rotationCadence,
            SecretSlo slo) {
        this.criticality = java.util.Objects.requireNonNull(criticality, "criticality");
        this.rotationCadence = rotationCadence;
        this.slo = java.util.Objects.requireNonNull(slo, "slo");
        this.checkedAt = checkedAt;
        this.waitingForBudget = waitingForBudget;
        this.ref = ref;
        this.source = source;
        this.version = version;
        this.state = state;
        this.fetchedAt = fetchedAt;
        this.expiresAt = expiresAt;
        this.nextRefresh = nextRefresh;
        this.lastError = lastError;
        this.lastErrorAt = lastErrorAt;
        this.owner = owner;
        this.maxAge = maxAge;
        this.required = required;
        this.fresh = fresh;
    }

    public SecretRef ref() {
        return ref;
    }

    public String source() {
        return source;
    }

    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    public SecretState state() {
        return state;
    }

    public Optional<Instant> fetchedAt() {
        return Optional.ofNullable(fetchedAt);
    }

    /** The lease's hard deadline, for leased secrets. */
    public Optional<Instant> expiresAt() {
        return Optional.ofNullable(expiresAt);
    }

    public Optional<Instant> nextRefresh() {
        return Optional.ofNullable(nextRefresh);
    }

    /** The last failure, as an exception class and Rotor's own message; empty after a success. */
    /**
     * When the store last confirmed the version held: its load, a poll that found it unchanged, a renewal. How stale
     * the view may be is the time since.
     */
    public Optional<Instant> checkedAt() {
        return Optional.ofNullable(checkedAt);
    }

    /**
     * Whether a look at the store for this secret is due but waits for its source's request budget ({@link
     * RefreshPolicy#requestsPerSecond()}): under a tight budget, polls are what gives way.
     */
    public boolean waitingForBudget() {
        return waitingForBudget;
    }

    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    public Optional<Instant> lastErrorAt() {
        return Optional.ofNullable(lastErrorAt);
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

    /** The declared criticality; {@link Criticality#MEDIUM} when undeclared. */
    public Criticality criticality() {
        return criticality;
    }

    /** The declared rotation cadence, if any. */
    public Optional<Duration> rotationCadence() {
        return Optional.ofNullable(rotationCadence);
    }

    /** The freshness objective: met or why not, the version's age, the time since its last check, the lease left. */
    public SecretSlo slo() {
        return slo;
    }

    /**
     * Whether the version in service is younger than the declared maximum age (by its fetch time) and not expired;
     * true when no maximum age is declared and a servable version is held.
     */
    public boolean fresh() {
        return fresh;
    }

    @Override
    public String toString() {
        return "InventoryEntry{ref=" + ref + ", source=" + source + ", version=" + version + ", state=" + state
                + ", fetchedAt=" + fetchedAt + ", expiresAt=" + expiresAt + ", nextRefresh=" + nextRefresh
                + (lastError == null ? "" : ", lastError=" + lastError) + (owner == null ? "" : ", owner=" + owner)
                + (maxAge == null ? "" : ", maxAge=" + maxAge) + ", fresh=" + fresh
                + (checkedAt == null ? "" : ", checkedAt=" + checkedAt)
                + (waitingForBudget ? ", waitingForBudget=true" : "") + ", criticality=" + criticality
                + (slo.met() ? "" : ", slo=" + slo.breach().orElseThrow()) + "}";
    }
}
