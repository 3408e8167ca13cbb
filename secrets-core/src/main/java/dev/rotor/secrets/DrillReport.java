package dev.rotor.secrets;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a rotation drill ({@link Secrets#drill(java.util.Collection)}) found: per secret, whether a new version could
 * be re-issued or rotated and how long that took, and per consumer bound to the secret whether it reported the
 * hand-over of the new version in time. Never a value: versions are ids, reasons are Rotor's own words. Immutable.
 *
 * <pre>{@code
 * DrillReport report = secrets.drill(List.of("vault:database/creds/orders"));
 * if (!report.succeeded()) {
 *     report.secrets().forEach(s -> log.warn("{}", s));
 * }
 * }</pre>
 */
public final class DrillReport {
    /** How one secret's drill ended. */
    public enum Outcome {
        /** A new version was issued and every consumer bound to the secret reported its hand-over. */
        SUCCEEDED,
        /** The re-issue or rotation failed, brought no new version, or a consumer refused it or did not report. */
        FAILED,
        /** The secret can neither be re-issued (it has no lease) nor rotated by its source. */
        NOT_SUPPORTED
    }

    private final List<SecretResult> secrets;
    private final Duration duration;

    private DrillReport(List<SecretResult> secrets, Duration duration) {
        this.secrets = List.copyOf(secrets);
        this.duration = Objects.requireNonNull(duration, "duration");
    }

    /** A report; built by the client. */
    public static DrillReport of(List<SecretResult> secrets, Duration duration) {
        return new DrillReport(secrets, duration);
    }

    /** One result per secret named, in the order named. */
    public List<SecretResult> secrets() {
        return secrets;
    }

    /** How long the whole drill took, on the client's clock. */
    public Duration duration() {
        return duration;
    }

    /** Whether no secret's drill {@link Outcome#FAILED} (secrets that are {@link Outcome#NOT_SUPPORTED} do not count). */
    public boolean succeeded() {
        return secrets.stream().noneMatch(s -> s.outcome() == Outcome.FAILED);
    }

    @Override
    public String toString() {
        return "DrillReport{" + secrets + ", took=" + duration + "}";
    }

    /** One secret's drill. Immutable. */
    public static final class SecretResult {
        private final SecretRef ref;
        private final String source;
        private final Outcome outcome;
        private final String action;
        private final String reason;
        private final String previousVersion;
        private final String version;
        private final Duration duration;
        private final List<ConsumerResult> consumers;

        @SuppressWarnings("ParameterNumber")
        private SecretResult(
                SecretRef ref,
                String source,
                Outcome outcome,
                String action,
                String reason,
                String previousVersion,
                String version,
                Duration duration,
                List<ConsumerResult> consumers) {
            this.ref = Objects.requireNonNull(ref, "ref");
            this.source = source;
            this.outcome = Objects.requireNonNull(outcome, "outcome");
            this.action = action;
            this.reason = reason;
            this.previousVersion = previousVersion;
            this.version = version;
            this.duration = Objects.requireNonNull(duration, "duration");
            this.consumers = List.copyOf(consumers);
        }

        /**
         * A result; built by the client.
         *
         * @param action {@code "reissue"}, {@code "rotate"} or null when nothing was done
         * @param reason why it failed or is not supported, in Rotor's words; null when it succeeded
         */
        @SuppressWarnings("ParameterNumber")
        public static SecretResult of(
                SecretRef ref,
                String source,
                Outcome outcome,
                String action,
                String reason,
                String previousVersion,
                String version,
                Duration duration,
                List<ConsumerResult> consumers) {
            return new SecretResult(
                    ref, source, outcome, action, reason, previousVersion, version, duration, consumers);
        }

        public SecretRef ref() {
            return ref;
        }

        /** The source's name, when the ref reached one. */
        public Optional<String> source() {
            return Optional.ofNullable(source);
        }

        public Outcome outcome() {
            return outcome;
        }

        /** What the drill did: {@code "reissue"} (a new lease) or {@code "rotate"} (the store made a new version). */
        public Optional<String> action() {
            return Optional.ofNullable(action);
        }

        /** Why the drill failed or is not supported; empty when it succeeded. */
        public Optional<String> reason() {
            return Optional.ofNullable(reason);
        }

        /** The version in service before the drill. */
        public Optional<String> previousVersion() {
            return Optional.ofNullable(previousVersion);
        }

        /** The version in service after the drill. */
        public Optional<String> version() {
            return Optional.ofNullable(version);
        }

        /** From the start of this secret's drill until the last consumer reported (or the wait ended). */
        public Duration duration() {
            return duration;
        }

        /** One result per consumer bound to the secret when the drill started. */
        public List<ConsumerResult> consumers() {
            return consumers;
        }

        @Override
        public String toString() {
            return "SecretResult{" + ref + " " + outcome + (action == null ? "" : " " + action)
                    + (previousVersion == null ? "" : " " + previousVersion + "->" + version)
                    + (reason == null ? "" : " reason=" + reason) + " took=" + duration + " consumers=" + consumers
                    + "}";
        }
    }

    /** One consumer's part in a secret's drill. Immutable. */
    public static final class ConsumerResult {
        private final String name;
        private final String kind;
        private final boolean succeeded;
        private final String reason;
        private final Duration duration;

        private ConsumerResult(String name, String kind, boolean succeeded, String reason, Duration duration) {
            this.name = Objects.requireNonNull(name, "name");
            this.kind = Objects.requireNonNull(kind, "kind");
            this.succeeded = succeeded;
            this.reason = reason;
            this.duration = duration;
        }

        /**
         * A result; built by the client.
         *
         * @param duration the hand-over's own duration as the consumer reported it, or null when it did not report
         */
        public static ConsumerResult of(String name, String kind, boolean succeeded, String reason, Duration duration) {
            return new ConsumerResult(name, kind, succeeded, reason, duration);
        }

        /** The consumer's name (a pool's name). */
        public String name() {
            return name;
        }

        /** What the consumer is ({@code "pool"}). */
        public String kind() {
            return kind;
        }

        /** Whether the consumer reported taking the new version into use in time. */
        public boolean succeeded() {
            return succeeded;
        }

        /** Why not: the refusal's reason, or that it did not report before the drill's timeout. */
        public Optional<String> reason() {
            return Optional.ofNullable(reason);
        }

        /** How long the hand-over took, as the consumer reported it; empty when it did not report. */
        public Optional<Duration> duration() {
            return Optional.ofNullable(duration);
        }

        @Override
        public String toString() {
            return kind + " " + name + (succeeded ? " ok" : " failed (" + reason + ")")
                    + (duration == null ? "" : " in " + duration);
        }
    }
}
