package dev.rotor.secrets;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A machine-readable record of one lifecycle step: when, which secret and source, which version and lease expiry,
 * the outcome, how long it took, and for failures the error's class and Rotor's own message. Never a value: Rotor's
 * messages name refs and sources only, and the message of any foreign exception is left out.
 *
 * <p>Immutable and thread-safe. Sources report their own steps (login, token renewal) through {@link
 * Secrets#publish(SecretEvent)}.
 */
public final class SecretEvent {
    /** Whether the step succeeded. */
    public enum Outcome {
        SUCCESS,
        FAILURE
    }

    private final SecretEventType type;
    private final Instant time;
    private final SecretRef ref;
    private final String source;
    private final String version;
    private final String previousVersion;
    private final Instant leaseExpiry;
    private final Outcome outcome;
    private final Duration duration;
    private final String errorClass;
    private final String errorMessage;
    private final String detail;
    private final String consumer;
    private final AuditContext where;
    private final SourceIdentity who;

    private SecretEvent(Builder b) {
        this.type = b.type;
        this.time = b.time;
        this.ref = b.ref;
        this.source = b.source;
        this.version = b.version;
        this.previousVersion = b.previousVersion;
        this.leaseExpiry = b.leaseExpiry;
        this.outcome = b.outcome;
        this.duration = b.duration;
        this.errorClass = b.error == null ? null : b.error.getClass().getName();
        this.errorMessage = b.error instanceof SecretException ? b.error.getMessage() : null;
        this.detail = b.detail;
        this.consumer = b.consumer;
        this.where = b.where;
        this.who = b.who;
    }

    private SecretEvent(SecretEvent e, AuditContext where, SourceIdentity who) {
        this.type = e.type;
        this.time = e.time;
        this.ref = e.ref;
        this.source = e.source;
        this.version = e.version;
        this.previousVersion = e.previousVersion;
        this.leaseExpiry = e.leaseExpiry;
        this.outcome = e.outcome;
        this.duration = e.duration;
        this.errorClass = e.errorClass;
        this.errorMessage = e.errorMessage;
        this.detail = e.detail;
        this.consumer = e.consumer;
        this.where = e.where != null ? e.where : where;
        this.who = e.who != null ? e.who : who;
    }

    public static Builder builder(SecretEventType type, Instant time) {
        return new Builder(type, time);
    }

    public SecretEventType type() {
        return type;
    }

    public Instant time() {
        return time;
    }

    public Optional<SecretRef> ref() {
        return Optional.ofNullable(ref);
    }

    public Optional<String> source() {
        return Optional.ofNullable(source);
    }

    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    public Optional<String> previousVersion() {
        return Optional.ofNullable(previousVersion);
    }

    public Optional<Instant> leaseExpiry() {
        return Optional.ofNullable(leaseExpiry);
    }

    public Outcome outcome() {
        return outcome;
    }

    public Optional<Duration> duration() {
        return Optional.ofNullable(duration);
    }

    /** The failure's exception class name. */
    public Optional<String> errorClass() {
        return Optional.ofNullable(errorClass);
    }

    /** The failure's message, only when it is one of Rotor's own exceptions (which never hold values). */
    public Optional<String> errorMessage() {
        return Optional.ofNullable(errorMessage);
    }

    /** A short non-secret note (for example "max-ttl reached" or "retry in PT2S"). */
    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }

    /**
     * The consumer that took (or refused) the version, for a {@link SecretEventType#HANDED_OVER} event: the pool's or
     * the SSL context's name.
     */
    public Optional<String> consumer() {
        return Optional.ofNullable(consumer);
    }

    /** Where the application runs; the client sets it on every event it publishes. */
    public Optional<AuditContext> where() {
        return Optional.ofNullable(where);
    }

    /**
     * Who the application is to the event's source (for a hand-over, the source of its secret); the client sets it on
     * every event whose source it knows, possibly as an unknown identity with the reason.
     */
    public Optional<SourceIdentity> who() {
        return Optional.ofNullable(who);
    }

    /**
     * This event with {@code where} and {@code who} filled in where it has none of its own; the client calls it on
     * every event it publishes. Either argument may be null.
     */
    public SecretEvent withAudit(AuditContext where, SourceIdentity who) {
        if ((where == null || this.where != null) && (who == null || this.who != null)) {
            return this;
        }
        return new SecretEvent(this, where, who);
    }

    @Override
    public String toString() {
        return "SecretEvent{" + type + " " + outcome + " ref=" + ref + " source=" + source
                + (consumer == null ? "" : " consumer=" + consumer)
                + (version == null ? "" : " version=" + version)
                + (errorClass == null ? "" : " error=" + errorClass)
                + (detail == null ? "" : " detail=" + detail) + "}";
    }

    /** Builds a {@link SecretEvent}. Not thread-safe. */
    public static final class Builder {
        private final SecretEventType type;
        private final Instant time;
        private SecretRef ref;
        private String source;
        private String version;
        private String previousVersion;
        private Instant leaseExpiry;
        private Outcome outcome = Outcome.SUCCESS;
        private Duration duration;
        private Throwable error;
        private String detail;
        private String consumer;
        private AuditContext where;
        private SourceIdentity who;

        private Builder(SecretEventType type, Instant time) {
            this.type = Objects.requireNonNull(type, "type");
            this.time = Objects.requireNonNull(time, "time");
        }

        public Builder ref(SecretRef ref) {
            this.ref = ref;
            return this;
        }

        public Builder source(String source) {
            this.source = source;
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public Builder previousVersion(String previousVersion) {
            this.previousVersion = previousVersion;
            return this;
        }

        public Builder leaseExpiry(Instant leaseExpiry) {
            this.leaseExpiry = leaseExpiry;
            return this;
        }

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        /** Marks the event a failure caused by {@code error}. */
        public Builder failure(Throwable error) {
            this.outcome = Outcome.FAILURE;
            this.error = error;
            return this;
        }

        public Builder detail(String detail) {
            this.detail = detail;
            return this;
        }

        /** The consumer that took or refused the version (a pool's or an SSL context's name). */
        public Builder consumer(String consumer) {
            this.consumer = consumer;
            return this;
        }

        /** Where the application runs; left empty, the client fills in its own {@link AuditContext}. */
        public Builder where(AuditContext where) {
            this.where = where;
            return this;
        }

        /** Who the application is to the source; left empty, the client fills in the source's identity. */
        public Builder who(SourceIdentity who) {
            this.who = who;
            return this;
        }

        public SecretEvent build() {
            return new SecretEvent(this);
        }
    }
}
