package dev.rotor.secrets.tls;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.tls.internal.ContextSwitch;
import dev.rotor.secrets.tls.internal.RotatingKeyManager;
import dev.rotor.secrets.tls.internal.RotatingTrustManager;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The live parts of {@link RotatingSslContext} for code that receives its versions itself (a framework's SSL bundle
 * registry, a consumer of its own): an {@link SSLContext}, a key manager and a trust manager that present and check
 * whatever was last {@link #install installed}, so a client or server built from them once follows every version
 * without being rebuilt.
 *
 * <ul>
 *   <li>The key manager presents the certificate in service; each version has its own alias and the last few stay
 *       resolvable, so a handshake that chose its alias just before a hand-over gets the chain and the key of one
 *       version.
 *   <li>The trust manager checks peers against the CAs in service, and keeps a CA that a new version dropped trusted
 *       for the overlap (until its own expiry at the latest), so a CA rollover does not break peers that still present
 *       a certificate of the old CA. Without rotating trust it is the Java runtime's default trust.
 *   <li>The context is replaced by a fresh JDK context at each install, so no later handshake resumes a session made
 *       with the previous material. Connections already open keep their session.
 * </ul>
 *
 * Thread-safe: handshakes read one volatile reference per manager; installs are serialised.
 */
public final class SwitchingSslContext {
    private final RotatingKeyManager keyManager = new RotatingKeyManager();
    private final RotatingTrustManager rotatingTrust;
    private final X509ExtendedTrustManager trustManager;
    private final ContextSwitch contextSwitch;

    private SwitchingSslContext(String protocol, TimeSource clock, Duration trustOverlap, boolean rotatingTrust) {
        if (rotatingTrust) {
            this.rotatingTrust = new RotatingTrustManager(clock, trustOverlap);
            this.trustManager = this.rotatingTrust;
        } else {
            this.rotatingTrust = null;
            this.trustManager = systemTrust();
        }
        try {
            this.contextSwitch = ContextSwitch.create(protocol, keyManager, trustManager);
        } catch (GeneralSecurityException e) {
            throw new SecretConfigurationException(
                    "protocol '" + protocol + "' is not supported by this Java runtime", null, null);
        }
    }

    /**
     * A context for {@code protocol} ({@code "TLS"}, {@code "TLSv1.3"}).
     *
     * @param clock the clock the trust overlap is measured on
     * @param trustOverlap how long a CA that a new trust version dropped stays trusted ({@link
     *     RotatingSslContext#DEFAULT_TRUST_OVERLAP} unless the application says otherwise)
     * @param rotatingTrust whether trust versions will be installed; without, peers are checked against the Java
     *     runtime's default trust
     * @throws SecretConfigurationException when the Java runtime has no such protocol
     */
    public static SwitchingSslContext create(
            String protocol, TimeSource clock, Duration trustOverlap, boolean rotatingTrust) {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(trustOverlap, "trustOverlap");
        if (trustOverlap.isNegative()) {
            throw new IllegalArgumentException("trustOverlap must not be negative, was " + trustOverlap);
        }
        return new SwitchingSslContext(protocol, clock, trustOverlap, rotatingTrust);
    }

    /**
     * Puts {@code key} (and {@code trust}, unless null: the CAs in service stay) in service for every handshake that
     * starts from now on.
     */
    public synchronized void install(CertificateBundle key, TrustBundle trust) {
        Objects.requireNonNull(key, "key");
        keyManager.install(key.material(), key.version());
        if (trust != null && rotatingTrust != null) {
            rotatingTrust.update(trust.certificates());
        }
        contextSwitch.renew();
    }

    /** The context to hand out; it follows every install by itself and cannot be initialised again. */
    public SSLContext sslContext() {
        return contextSwitch.context();
    }

    /** The key manager that presents the certificate in service; none before the first install. */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** The trust manager that checks peers against the CAs in service (or the Java runtime's default trust). */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** The Java runtime's default trust. */
    static X509ExtendedTrustManager systemTrust() {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager) {
                    return (X509ExtendedTrustManager) tm;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the Java runtime's default trust cannot be loaded", e);
        }
        throw new IllegalStateException("the Java runtime has no X509ExtendedTrustManager");
    }

    @Override
    public String toString() {
        return "SwitchingSslContext{"
                + keyManager.leaf().map(c -> c.getSerialNumber().toString(16)).orElse("none") + "}";
    }
}
