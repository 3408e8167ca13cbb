package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.tls.CertificateBundle;
import dev.rotor.secrets.tls.TrustBundle;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a Rotor SSL bundle ({@code rotor.ssl.bundle.<name>.*}) stands, at one instant of the client's clock: the
 * certificate in service (subject, serial, validity, time left), the trusted CAs, when Spring Boot's registry last took
 * a version, and the last version refused and why. Certificates are public; this holds no key, no key store and no
 * password. Immutable.
 */
public final class SslBundleStatus {
    /** The state of a bundle, worst first. */
    public enum State {
        /** No version was ever registered: the bundle presents nothing. */
        NOT_LOADED,
        /** The certificate in service is past its {@code notAfter}: peers refuse it. */
        EXPIRED,
        /** Every CA the bundle trusts is past its {@code notAfter}: no peer can be verified. */
        TRUST_EXPIRED,
        /** A newer version was refused on delivery and the bundle stayed on an older one, still valid. */
        BEHIND,
        /** A valid certificate is in service. */
        IN_SERVICE;

        /** Whether the bundle cannot do its job (the health is then {@code DOWN}). */
        public boolean down() {
            return this == NOT_LOADED || this == EXPIRED || this == TRUST_EXPIRED;
        }
    }

    /** A version the bundle refused: which secret, which version, why (Rotor's own reason, never key material), when. */
    public static final class Refusal {
        private final String ref;
        private final String version;
        private final String reason;
        private final Instant at;

        Refusal(String ref, String version, String reason, Instant at) {
            this.ref = Objects.requireNonNull(ref, "ref");
            this.version = version;
            this.reason = reason;
            this.at = Objects.requireNonNull(at, "at");
        }

        public String ref() {
            return ref;
        }

        public String version() {
            return version;
        }

        public String reason() {
            return reason;
        }

        public Instant at() {
            return at;
        }

        Map<String, Object> describe() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ref", ref);
            out.put("version", version);
            out.put("reason", reason);
            out.put("at", at.toString());
            return out;
        }

        @Override
        public String toString() {
            return "Refusal{" + ref + " version " + version + ": " + reason + " at " + at + "}";
        }
    }

    private final String name;
    private final SecretRef ref;
    private final SecretRef trustRef;
    private final State state;
    private final CertificateBundle certificate;
    private final TrustBundle trust;
    private final Instant now;
    private final Instant updatedAt;
    private final Refusal lastRefusal;

    SslBundleStatus(
            String name,
            SecretRef ref,
            SecretRef trustRef,
            State state,
            CertificateBundle certificate,
            TrustBundle trust,
            Instant now,
            Instant updatedAt,
            Refusal lastRefusal) {
        this.name = Objects.requireNonNull(name, "name");
        this.ref = Objects.requireNonNull(ref, "ref");
        this.trustRef = trustRef;
        this.state = Objects.requireNonNull(state, "state");
        this.certificate = certificate;
        this.trust = trust;
        this.now = Objects.requireNonNull(now, "now");
        this.updatedAt = updatedAt;
        this.lastRefusal = lastRefusal;
    }

    /** The bundle's name in Spring Boot's registry. */
    public String name() {
        return name;
    }

    public State state() {
        return state;
    }

    /** The last version refused (by the engine's veto or on delivery); empty when none was. */
    public Optional<Refusal> lastRefusal() {
        return Optional.ofNullable(lastRefusal);
    }

    /** When the registry last took a version; empty when it never did. */
    public Optional<Instant> updatedAt() {
        return Optional.ofNullable(updatedAt);
    }

    /** How long the certificate in service has left (negative once expired); empty when none is. */
    public Optional<Duration> timeLeft() {
        return certificate == null ? Optional.empty() : Optional.of(Duration.between(now, certificate.notAfter()));
    }

    /**
     * The health detail: {@code bundle}, {@code ref}, {@code state}, {@code certificate} (version, subject, serial in
     * hex, notBefore, notAfter, timeLeft), {@code trust} (trustRef, version, the number of CAs, the earliest
     * notAfter), {@code updatedAt}, {@code lastRefused} (ref, version, reason, at).
     */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bundle", name);
        out.put("ref", ref.toString());
        out.put("state", state.name());
        if (certificate != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("version", certificate.version());
            c.put("subject", certificate.subject());
            c.put("serial", certificate.serialNumber().toString(16));
            c.put("notBefore", certificate.notBefore().toString());
            c.put("notAfter", certificate.notAfter().toString());
            c.put("timeLeft", timeLeft().orElseThrow().toString());
            out.put("certificate", c);
        }
        if (trustRef != null) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("ref", trustRef.toString());
            if (trust != null) {
                t.put("version", trust.version());
                t.put("certificates", trust.certificates().size());
                trust.certificates().stream()
                        .map(X509Certificate::getNotAfter)
                        .map(java.util.Date::toInstant)
                        .min(Instant::compareTo)
                        .ifPresent(end -> t.put("earliestNotAfter", end.toString()));
            }
            out.put("trust", t);
        }
        out.put("updatedAt", updatedAt == null ? null : updatedAt.toString());
        if (lastRefusal != null) {
            out.put("lastRefused", lastRefusal.describe());
        }
        return out;
    }

    @Override
    public String toString() {
        return "SslBundleStatus{" + name + " " + ref + " " + state
                + (certificate == null
                        ? ""
                        : " serial=" + certificate.serialNumber().toString(16)) + "}";
    }
}
