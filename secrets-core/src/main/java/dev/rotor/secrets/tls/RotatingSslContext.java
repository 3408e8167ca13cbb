package dev.rotor.secrets.tls;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.tls.internal.ContextSwitch;
import dev.rotor.secrets.tls.internal.KeyMaterialConsumer;
import dev.rotor.secrets.tls.internal.RotatingKeyManager;
import dev.rotor.secrets.tls.internal.RotatingTrustManager;
import dev.rotor.secrets.tls.internal.TrustConsumer;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * An {@link SSLContext} that follows a certificate and a CA bundle held as secrets: each new version is checked, then
 * swapped in, and every handshake that starts afterwards uses it, while connections already open finish on theirs.
 * For a server, a client, or both sides of mutual TLS.
 *
 * <pre>{@code
 * try (RotatingSslContext tls = RotatingSslContext.builder(secrets)
 *         .keyMaterial("file:/etc/tls?format=tls")      // tls.crt, tls.key (cert-manager, a Kubernetes TLS secret)
 *         .trust("file:/etc/tls/ca.crt")                // the CAs to trust for peers: here, for client certificates
 *         .build()) {
 *     HttpsServer server = HttpsServer.create(new InetSocketAddress(8443), 0);
 *     server.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()));
 *     HttpClient client = HttpClient.newBuilder().sslContext(tls.sslContext()).build();
 *     OkHttpClient ok = new OkHttpClient.Builder().sslSocketFactory(tls.socketFactory(), tls.trustManager()).build();
 * }
 * }</pre>
 *
 * <p><b>Hand-over.</b> The key material is held by an {@link X509ExtendedKeyManager} and the trusted CAs by an {@link
 * X509ExtendedTrustManager}, each a volatile reference replaced as a whole. A version is validated first ({@link
 * CertificateBundle}'s checks, on the client's clock: parse, key matches the leaf, chain, validity window; for trust,
 * at least one CA valid now); a refused version leaves the one in service, and the {@link ConsumerBinding} reports it.
 * On each hand-over the JDK context behind {@link #sslContext()} is replaced too, so that no later handshake resumes
 * a session made with the previous material. The previous version is let go at once: established connections keep
 * their session and their peer's certificate, whatever rotates after their handshake; close them to move them on.
 * Server sockets made before a hand-over present the new certificate but keep resuming their own sessions.
 *
 * <p><b>CA rollover.</b> When a new trust version drops a CA, it stays trusted for {@link
 * Builder#trustOverlap(Duration)} (default 24 h) after that hand-over, and never past its own {@code notAfter}: peers
 * may move to certificates of the new CA one by one.
 *
 * <p><b>Engine-side veto.</b> The context's own checks keep it on its version, but the engine moves on. Register
 * {@link CertificateBundle#validator(TimeSource)} (and {@link TrustBundle#validator(TimeSource)}) on the {@link
 * Secrets.Builder} to keep a bad version out of the engine too, with a {@link dev.rotor.secrets.SecretEventType#REJECTED}
 * event.
 *
 * <p><b>Events.</b> Each hand-over and refusal is a {@link dev.rotor.secrets.SecretEventType#HANDED_OVER} event with
 * the context's {@linkplain Builder#name(String) name} as the source and {@code ssl-key-material} or {@code ssl-trust}
 * as the detail, and is told to the {@link Builder#onHandOver(HandOverListener)} listeners.
 *
 * <p><b>Threads.</b> Thread-safe. Handshakes read the managers without locking; versions are handed over on the engine
 * thread that delivers them. Closing stops following the secrets; the context keeps the material it has.
 */
public final class RotatingSslContext implements Subscription {
    /** How long a CA a new trust version dropped stays trusted, unless {@link Builder#trustOverlap} says otherwise. */
    public static final Duration DEFAULT_TRUST_OVERLAP = Duration.ofHours(24);

    private final String name;
    private final RotatingKeyManager keyManager;
    private final X509ExtendedTrustManager trustManager;
    private final ContextSwitch contextSwitch;
    private final ConsumerBinding keyBinding;
    private final ConsumerBinding trustBinding;

    private RotatingSslContext(Builder b) {
        this.name = b.name;
        TimeSource clock = b.secrets.timeSource();
        this.keyManager = new RotatingKeyManager();
        AtomicReference<ContextSwitch> switchRef = new AtomicReference<>();
        Runnable renew = () -> {
            ContextSwitch s = switchRef.get();
            if (s != null) {
                s.renew();
            }
        };
        KeyMaterialConsumer keyConsumer = null;
        if (b.keyMaterial != null) {
            keyConsumer = new KeyMaterialConsumer(name, keyManager, password(b), clock, renew);
            Secret first = b.secrets.get(b.keyMaterial.toString());
            try {
                keyManager.install(keyConsumer.read(first), first.version());
            } catch (SecretRejectedException e) {
                throw new SecretRejectedException(
                        "SSLContext " + name + " cannot start on version " + first.version() + ": " + e.reason(),
                        b.keyMaterial,
                        b.keyMaterial.scheme());
            }
        }
        TrustConsumer trustConsumer = null;
        if (b.trust != null) {
            RotatingTrustManager rotating = new RotatingTrustManager(clock, b.trustOverlap);
            trustConsumer = new TrustConsumer(name, rotating, clock, renew);
            Secret first = b.secrets.get(b.trust.toString());
            try {
                trustConsumer.install(first);
            } catch (SecretRejectedException e) {
                throw new SecretRejectedException(
                        "SSLContext " + name + " cannot start on version " + first.version() + ": " + e.reason(),
                        b.trust,
                        b.trust.scheme());
            }
            this.trustManager = rotating;
        } else {
            this.trustManager = SwitchingSslContext.systemTrust();
        }
        try {
            this.contextSwitch = ContextSwitch.create(b.protocol, keyManager, trustManager);
        } catch (GeneralSecurityException e) {
            throw new SecretConfigurationException(
                    "protocol '" + b.protocol + "' is not supported by this Java runtime", null, null);
        }
        switchRef.set(contextSwitch);
        this.keyBinding = keyConsumer == null ? null : bind(b, keyConsumer, b.keyMaterial);
        try {
            this.trustBinding = trustConsumer == null ? null : bind(b, trustConsumer, b.trust);
        } catch (RuntimeException e) {
            if (keyBinding != null) {
                keyBinding.close();
            }
            throw e;
        }
    }

    private static ConsumerBinding bind(Builder b, dev.rotor.secrets.consumer.SecretConsumer consumer, SecretRef ref) {
        ConsumerBinding.Builder cb = ConsumerBinding.builder(b.secrets, consumer, ref.toString());
        b.listeners.forEach(cb::onHandOver);
        return cb.bind();
    }

    private static Supplier<char[]> password(Builder b) {
        if (b.keyPassword == null) {
            return () -> null;
        }
        String ref = b.keyPassword.toString();
        Secrets secrets = b.secrets;
        return () -> secrets.value(ref).toCharArray();
    }

    /** Starts configuring a context whose secrets {@code secrets} holds. */
    public static Builder builder(Secrets secrets) {
        return new Builder(secrets);
    }

    /** The context: hand it to a server or a client once; it follows every rotation by itself. */
    public SSLContext sslContext() {
        return contextSwitch.context();
    }

    /** The context's socket factory (for clients that take one with a trust manager, such as OkHttp). */
    public SSLSocketFactory socketFactory() {
        return sslContext().getSocketFactory();
    }

    /** The key manager: presents the key material in service; none before it has any (a trust-only context). */
    public X509ExtendedKeyManager keyManager() {
        return keyManager;
    }

    /** The trust manager: the CAs of the trust secret (and those in their overlap), or the Java runtime's. */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** The leaf certificate in service; empty for a context without key material. */
    public Optional<X509Certificate> certificate() {
        return keyManager.leaf();
    }

    /** The CAs trusted now (a CA in its overlap included); the Java runtime's for a context without a trust secret. */
    public List<X509Certificate> trustedCertificates() {
        if (trustManager instanceof RotatingTrustManager) {
            return ((RotatingTrustManager) trustManager).trusted();
        }
        return Arrays.asList(trustManager.getAcceptedIssuers());
    }

    /** The binding that follows the key material; empty for a trust-only context. */
    public Optional<ConsumerBinding> keyMaterialBinding() {
        return Optional.ofNullable(keyBinding);
    }

    /** The binding that follows the trust bundle; empty when the Java runtime's trust is used. */
    public Optional<ConsumerBinding> trustBinding() {
        return Optional.ofNullable(trustBinding);
    }

    /** The name events and hand-overs give this context. */
    public String name() {
        return name;
    }

    /** Stops following the secrets; the context keeps the material it has. Idempotent. */
    @Override
    public void close() {
        if (keyBinding != null) {
            keyBinding.close();
        }
        if (trustBinding != null) {
            trustBinding.close();
        }
    }

    @Override
    public String toString() {
        return "RotatingSslContext{" + name + ", " + keyManager + ", " + trustManager + "}";
    }

    /**
     * Options of a {@link RotatingSslContext}. At least one of {@link #keyMaterial(String)} and {@link #trust(String)}
     * is required; {@link #build()} rejects a missing or conflicting option, naming it. Not thread-safe.
     */
    public static final class Builder {
        private final Secrets secrets;
        private SecretRef keyMaterial;
        private SecretRef keyPassword;
        private SecretRef trust;
        private Duration trustOverlap;
        private String protocol = "TLS";
        private String name = "tls";
        private final List<HandOverListener> listeners = new ArrayList<>();

        private Builder(Secrets secrets) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
        }

        /**
         * The certificate and private key to present, as {@link CertificateBundle} reads them ({@code tls.crt} and
         * {@code tls.key}, Vault PKI's {@code certificate} and {@code private_key}, or one PEM value).
         */
        public Builder keyMaterial(String ref) {
            this.keyMaterial =
                    SecretRef.parse(Objects.requireNonNull(ref, "keyMaterial")).withoutField();
            return this;
        }

        /** The password of an encrypted private key ({@code BEGIN ENCRYPTED PRIVATE KEY}): a secret's value. */
        public Builder keyPassword(String ref) {
            this.keyPassword = SecretRef.parse(Objects.requireNonNull(ref, "keyPassword"));
            return this;
        }

        /**
         * The CA certificates to trust for peers, as {@link TrustBundle} reads them ({@code ca.crt}, {@code ca}, {@code
         * issuing_ca}, {@code ca_chain}, or one PEM value). Without it the Java runtime's default trust is used.
         */
        public Builder trust(String ref) {
            this.trust = SecretRef.parse(Objects.requireNonNull(ref, "trust")).withoutField();
            return this;
        }

        /**
         * How long a CA that a new trust version no longer holds stays trusted (default {@link
         * #DEFAULT_TRUST_OVERLAP}, 24 h; never past the CA's own {@code notAfter}); zero drops it at once.
         */
        public Builder trustOverlap(Duration overlap) {
            Objects.requireNonNull(overlap, "trustOverlap");
            if (overlap.isNegative()) {
                throw new SecretConfigurationException("trustOverlap must not be negative, was " + overlap, null, null);
            }
            this.trustOverlap = overlap;
            return this;
        }

        /** The {@link SSLContext} protocol (default {@code "TLS"}: TLS 1.3 and 1.2 as the Java runtime enables). */
        public Builder protocol(String protocol) {
            this.protocol = Objects.requireNonNull(protocol, "protocol");
            return this;
        }

        /** The name events, hand-overs and logs give the context (default {@code "tls"}). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new SecretConfigurationException("name must not be blank", null, null);
            }
            this.name = name;
            return this;
        }

        /** Told of every hand-over and refusal of the key material and of the trust bundle. */
        public Builder onHandOver(HandOverListener listener) {
            listeners.add(Objects.requireNonNull(listener, "onHandOver"));
            return this;
        }

        /**
         * Loads the secrets, checks them and starts following them.
         *
         * @throws SecretConfigurationException when neither {@code keyMaterial} nor {@code trust} is set, or an option
         *     needs another that is missing ({@code keyPassword} without {@code keyMaterial}, {@code trustOverlap}
         *     without {@code trust}), or the protocol is unknown
         * @throws dev.rotor.secrets.SecretException when a secret cannot be loaded, does not parse, or is refused (a
         *     certificate out of its validity window, a key that is not the leaf's)
         */
        public RotatingSslContext build() {
            if (keyMaterial == null && trust == null) {
                throw new SecretConfigurationException(
                        "RotatingSslContext needs keyMaterial(ref), trust(ref) or both; neither is set", null, null);
            }
            if (keyPassword != null && keyMaterial == null) {
                throw new SecretConfigurationException(
                        "keyPassword(ref) is set but keyMaterial(ref) is not: there is no key to decrypt", null, null);
            }
            if (trustOverlap != null && trust == null) {
                throw new SecretConfigurationException(
                        "trustOverlap is set but trust(ref) is not: the Java runtime's trust does not rotate",
                        null,
                        null);
            }
            if (trustOverlap == null) {
                trustOverlap = DEFAULT_TRUST_OVERLAP;
            }
            return new RotatingSslContext(this);
        }
    }
}
