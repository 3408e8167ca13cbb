package dev.rotor.secrets.tls;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.tls.internal.Invalid;
import dev.rotor.secrets.tls.internal.Trust;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One version of a set of trusted CA certificates, parsed from a {@link Secret}: every certificate of its CA fields
 * ({@code ca.crt}, {@code ca}, {@code issuing_ca}, {@code ca_chain}; see {@link CertificateBundle#CA_FIELDS}), or, for
 * a secret with one raw value (a mounted {@code ca.pem}), every certificate in it. During a CA rollover the bundle
 * usually holds the old and the new CA together.
 *
 * <pre>{@code
 * TrustBundle trust = TrustBundle.from(secrets.get("file:/etc/tls/ca.crt"));
 * trust.certificates().forEach(ca -> log.info("trusting {}", ca.getSubjectX500Principal()));
 * }</pre>
 *
 * <p>Immutable and thread-safe. Certificates are public; {@link #toString()} shows the subjects and dates.
 */
public final class TrustBundle {
    private final SecretRef ref;
    private final String version;
    private final List<X509Certificate> certificates;

    private TrustBundle(SecretRef ref, String version, List<X509Certificate> certificates) {
        this.ref = ref;
        this.version = version;
        this.certificates = certificates;
    }

    /**
     * Parses {@code secret}.
     *
     * @throws SecretFormatException when it does not parse, or holds no CA certificate
     */
    public static TrustBundle from(Secret secret) {
        Objects.requireNonNull(secret, "secret");
        try {
            return new TrustBundle(secret.ref(), secret.version(), Trust.read(secret));
        } catch (Invalid e) {
            throw new SecretFormatException(
                    e.reason(), secret.ref(), secret.ref().scheme());
        }
    }

    /**
     * A validator for the engine that vetoes a version that does not parse, holds no CA certificate, or none that is
     * within its validity window on {@code clock} (a bundle may keep an expired CA next to a current one).
     */
    public static SecretValidator validator(TimeSource clock) {
        Objects.requireNonNull(clock, "clock");
        return SecretValidator.named("trust bundle check", (candidate, current) -> {
            try {
                Trust.checkUsable(Trust.read(candidate), clock.now());
            } catch (Invalid e) {
                throw new SecretRejectedException(e.reason());
            }
        });
    }

    /**
     * This bundle, when at least one of its certificates is within its validity window at {@code now}.
     *
     * @throws SecretRejectedException saying when the last one expired
     */
    public TrustBundle checkValidAt(Instant now) {
        try {
            Trust.checkUsable(certificates, now);
            return this;
        } catch (Invalid e) {
            throw new SecretRejectedException(e.reason(), ref, ref.scheme());
        }
    }

    /**
     * A new in-memory PKCS#12 trust store holding these certificates ({@code ca-1}, {@code ca-2}, ...): for APIs that
     * take a trust store (a Spring SSL bundle, a {@code TrustManagerFactory}). A snapshot: it does not follow rotations.
     */
    public KeyStore toTrustStore() {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate c : certificates) {
                store.setCertificateEntry("ca-" + ++i, c);
            }
            return store;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot build a PKCS12 trust store (" + e.getClass().getSimpleName() + ")");
        }
    }

    public SecretRef ref() {
        return ref;
    }

    public String version() {
        return version;
    }

    /** The trusted certificates, each once, in the order the secret holds them. */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    @Override
    public String toString() {
        return "TrustBundle{ref=" + ref + ", version=" + version + ", certificates=" + Trust.describe(certificates)
                + "}";
    }
}
