package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.tls.CertificateBundle;
import dev.rotor.secrets.tls.TrustBundle;
import java.math.BigInteger;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;

/**
 * One Spring Boot SSL bundle fed by Rotor ({@code rotor.ssl.bundle.<name>.*}): the certificate and key of one secret
 * ({@link CertificateBundle}) and optionally the CAs of another ({@link TrustBundle}), registered in Spring Boot's
 * {@link SslBundleRegistry} under the bundle's name and updated with {@link SslBundleRegistry#updateBundle} at each new
 * version, which makes the embedded web server reload its certificate and gives clients that ask {@code SslBundles}
 * afterwards the new one.
 *
 * <p>Each secret is followed by a {@link ConsumerBinding}, so every hand-over and refusal is a {@code HANDED_OVER}
 * event (the bundle's name as the source, {@code ssl-bundle} or {@code ssl-bundle-trust} as the detail) with its
 * duration, which includes the web server's reload. A version is checked before anything changes (it parses, the key
 * is the leaf's, the chain links, every certificate is within its validity window on the client's clock; a trust
 * version holds a CA valid now): as the engine's validator its veto keeps the old version in service with a {@code
 * REJECTED} event, on delivery it keeps the bundle on the old one. A reason names the certificate, never the key.
 *
 * <p><b>Clients and servers built once follow the renewals.</b> Every {@link SslBundle} this class hands to Spring
 * Boot gives out the same live {@link SslBundle#createSslContext() SSLContext} and {@link SslBundle#getManagers()
 * manager factories}: they present the certificate in service and trust the CAs in service, and the context starts
 * afresh at each hand-over, so no later handshake resumes a session of the old certificate. A {@code RestClient} built
 * through {@code RestClientSsl.fromBundle} (with the JDK's, Apache's or Jetty's HTTP client) therefore presents the
 * renewed certificate on its next connection, without being rebuilt; connections already open keep theirs. The {@link
 * SslBundle#getStores() key stores} are a snapshot of the version the bundle was built for (the embedded web server
 * reloads them through {@code updateBundle}).
 *
 * <p>{@link #status()} tells the health where the bundle stands: the certificate in service, when the registry last
 * took a version, and the last version refused and why.
 *
 * <p>The key stores are in memory, protected by a random password made for each update. Thread-safe: the two
 * secrets' versions are handed over one at a time.
 */
public final class RotorSslBundle implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RotorSslBundle.class);

    /** The alias of the key entry in the bundle's key store. */
    public static final String KEY_ALIAS = "rotor";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final SecretRef ref;
    private final SecretRef trustRef;
    private final SecretRef keyPasswordRef;
    private final String protocol;
    private final Supplier<Secrets> secrets;
    private final Supplier<TimeSource> clock;
    private final KeyConsumer keyConsumer = new KeyConsumer();
    private final TrustConsumer trustConsumer = new TrustConsumer();
    private final Object lock = new Object();
    private final RotorSslBundleContext live;
    private volatile SslBundleRegistry registry;
    private volatile Instant updatedAt;
    private volatile SslBundleStatus.Refusal lastRefusal;
    private volatile CertificateBundle key;
    private volatile TrustBundle trust;
    private volatile ConsumerBinding keyBinding;
    private volatile ConsumerBinding trustBinding;

    RotorSslBundle(
            String name,
            SecretRef ref,
            SecretRef trustRef,
            SecretRef keyPasswordRef,
            String protocol,
            Supplier<Secrets> secrets,
            Supplier<TimeSource> clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.ref = Objects.requireNonNull(ref, "ref");
        this.trustRef = trustRef;
        this.keyPasswordRef = keyPasswordRef;
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            this.live = new RotorSslBundleContext(protocol, clock, trustRef != null);
        } catch (SecretConfigurationException e) {
            throw new SecretConfigurationException(
                    "rotor.ssl.bundle." + name + ".protocol '" + protocol + "' is not supported by this Java runtime",
                    ref,
                    null);
        }
    }

    /** The consumer of the key material, whose {@link ConsumerBinding#validator validator} the engine may run. */
    SecretConsumer keyConsumer() {
        return keyConsumer;
    }

    /** The consumer of the trusted CAs. */
    SecretConsumer trustConsumer() {
        return trustConsumer;
    }

    /**
     * Loads and checks the first versions, registers the bundle, then follows both secrets.
     *
     * @param validateOnDelivery whether the bindings check each version themselves (when the engine does not)
     * @throws SecretException when a secret cannot be loaded, or its version is refused (naming the ref and why)
     * @throws dev.rotor.secrets.SecretConfigurationException when Spring Boot already has a bundle of that name
     */
    void register(SslBundleRegistry registry, boolean validateOnDelivery, HandOverListener listener) {
        Secrets client = secrets.get();
        Secret first = client.get(ref);
        CertificateBundle k = startOn(first, keyConsumer::read, ref);
        TrustBundle t = null;
        Secret firstTrust = null;
        if (trustRef != null) {
            firstTrust = client.get(trustRef);
            t = startOn(firstTrust, trustConsumer::read, trustRef);
        }
        synchronized (lock) {
            this.key = k;
            this.trust = t;
            this.registry = registry;
            live.install(k, t); // before the registry's handlers see the bundle
            try {
                registry.registerBundle(name, build(k, t));
                updatedAt = clock.get().now();
            } catch (IllegalStateException e) {
                throw new SecretConfigurationException(
                        "rotor.ssl.bundle." + name + " names an SSL bundle Spring Boot already has (spring.ssl.bundle.*"
                                + " or another registrar): choose another name",
                        ref,
                        null);
            }
        }
        keyBinding = bind(client, keyConsumer, ref, validateOnDelivery, listener);
        if (trustRef != null) {
            trustBinding = bind(client, trustConsumer, trustRef, validateOnDelivery, listener);
        }
        LOG.info(
                "Rotor registered SSL bundle {} from {}{}: certificate {} serial {} valid until {}",
                name,
                ref,
                trustRef == null ? "" : ", trusting " + trustRef,
                k.subject(),
                k.serialNumber().toString(16),
                k.notAfter());
    }

    private static ConsumerBinding bind(
            Secrets client, SecretConsumer consumer, SecretRef ref, boolean validate, HandOverListener listener) {
        return ConsumerBinding.builder(client, consumer, ref.toString())
                .validateOnDelivery(validate)
                .onHandOver(listener)
                .bind();
    }

    private interface Reader<T> {
        T read(Secret secret) throws SecretRejectedException;
    }

    private <T> T startOn(Secret first, Reader<T> reader, SecretRef which) {
        try {
            return reader.read(first);
        } catch (SecretRejectedException e) {
            throw new SecretRejectedException(
                    "SSL bundle " + name + " cannot start on version " + first.version() + ": " + e.reason(),
                    which,
                    which.scheme());
        }
    }

    private SslBundle build(CertificateBundle k, TrustBundle t) {
        char[] password = newPassword();
        try {
            KeyStore keyStore = k.toKeyStore(KEY_ALIAS, password);
            KeyStore trustStore = t == null ? null : t.toTrustStore();
            return new Bundle(
                    name, SslStoreBundle.of(keyStore, new String(password), trustStore), protocol, live, k.version());
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static char[] newPassword() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(bytes)
                .toCharArray();
    }

    /** Builds the bundle of the new material and hands it to Spring Boot; on a failure, the previous one is back. */
    private void update(CertificateBundle k, TrustBundle t) throws SecretRejectedException {
        synchronized (lock) {
            SslBundleRegistry r = registry;
            CertificateBundle oldKey = key;
            TrustBundle oldTrust = trust;
            SslBundle next = build(k, t);
            live.install(k, t);
            try {
                r.updateBundle(name, next);
            } catch (RuntimeException e) {
                live.install(oldKey, oldTrust);
                LOG.warn(
                        "Rotor could not update SSL bundle {} ({}); putting the previous version back",
                        name,
                        e.getClass().getName());
                try {
                    r.updateBundle(name, build(oldKey, oldTrust));
                } catch (RuntimeException again) {
                    LOG.warn(
                            "Rotor could not put SSL bundle {} back on its previous version ({})",
                            name,
                            again.getClass().getName());
                }
                throw new SecretRejectedException(
                        "the SSL bundle update failed: " + e.getClass().getName());
            }
            key = k;
            trust = t;
            updatedAt = clock.get().now();
        }
    }

    /** The bundle's name in Spring Boot's registry. */
    public String name() {
        return name;
    }

    /** The secret of the certificate and key. */
    public SecretRef ref() {
        return ref;
    }

    /** The secret of the trusted CAs; empty when the bundle has no trust store. */
    public Optional<SecretRef> trustRef() {
        return Optional.ofNullable(trustRef);
    }

    /** The certificate in the bundle now; empty before registration. */
    public Optional<CertificateBundle> certificate() {
        return Optional.ofNullable(key);
    }

    /** The trusted CAs in the bundle now; empty without a trust secret, or before registration. */
    public Optional<TrustBundle> trust() {
        return Optional.ofNullable(trust);
    }

    /** The binding that follows the certificate; empty before registration. */
    public Optional<ConsumerBinding> keyBinding() {
        return Optional.ofNullable(keyBinding);
    }

    /** The binding that follows the trusted CAs; empty without a trust secret, or before registration. */
    public Optional<ConsumerBinding> trustBinding() {
        return Optional.ofNullable(trustBinding);
    }

    /** Stops following the secrets; the bundle keeps what it has. Idempotent. */
    @Override
    public void close() {
        ConsumerBinding k = keyBinding;
        if (k != null) {
            k.close();
        }
        ConsumerBinding t = trustBinding;
        if (t != null) {
            t.close();
        }
    }

    @Override
    public String toString() {
        CertificateBundle k = key;
        return "RotorSslBundle{" + name + ", ref=" + ref + (trustRef == null ? "" : ", trustRef=" + trustRef)
                + (k == null ? "" : ", version=" + k.version() + ", serial=" + serial(k.serialNumber())) + "}";
    }

    private static String serial(BigInteger serial) {
        return serial.toString(16);
    }

    /** Remembers a refused version for the health (its version, ref and reason: never key material). */
    private SecretRejectedException refused(Secret version, SecretRef which, String reason) {
        lastRefusal = new SslBundleStatus.Refusal(
                which.toString(), version.version(), reason, clock.get().now());
        return new SecretRejectedException(reason);
    }

    /** When the registry last took a version of this bundle; empty before registration. */
    public Optional<Instant> updatedAt() {
        return Optional.ofNullable(updatedAt);
    }

    /** Where the bundle stands now, on the client's clock: for the health. */
    public SslBundleStatus status() {
        Instant now = clock.get().now();
        CertificateBundle k = key;
        TrustBundle t = trust;
        SslBundleStatus.State state;
        if (k == null) {
            state = SslBundleStatus.State.NOT_LOADED;
        } else if (!now.isBefore(k.notAfter())) {
            state = SslBundleStatus.State.EXPIRED;
        } else if (t != null
                && t.certificates().stream()
                        .noneMatch(c -> now.isBefore(c.getNotAfter().toInstant()))) {
            state = SslBundleStatus.State.TRUST_EXPIRED;
        } else if (keyBinding().map(ConsumerBinding::behind).orElse(false)
                || trustBinding().map(ConsumerBinding::behind).orElse(false)) {
            state = SslBundleStatus.State.BEHIND;
        } else {
            state = SslBundleStatus.State.IN_SERVICE;
        }
        return new SslBundleStatus(name, ref, trustRef, state, k, t, now, updatedAt, lastRefusal);
    }

    /** The reason of a refusal or of a format error, without the ref and source suffix the message carries. */
    private static String reason(SecretException e) {
        if (e instanceof SecretRejectedException) {
            return ((SecretRejectedException) e).reason();
        }
        String m = String.valueOf(e.getMessage());
        int suffix = m.lastIndexOf(" [ref=");
        return suffix > 0 ? m.substring(0, suffix) : m;
    }

    /**
     * One version of the bundle as Spring Boot holds it: the key stores of that version, and the live context and
     * manager factories, which follow every later version too. Prints no password and no key.
     */
    private static final class Bundle implements SslBundle {
        private final String name;
        private final SslStoreBundle stores;
        private final String protocol;
        private final RotorSslBundleContext live;
        private final String version;

        Bundle(String name, SslStoreBundle stores, String protocol, RotorSslBundleContext live, String version) {
            this.name = name;
            this.stores = stores;
            this.protocol = protocol;
            this.live = live;
            this.version = version;
        }

        @Override
        public SslStoreBundle getStores() {
            return stores;
        }

        @Override
        public SslBundleKey getKey() {
            return SslBundleKey.of(null, KEY_ALIAS);
        }

        @Override
        public SslOptions getOptions() {
            return SslOptions.NONE;
        }

        @Override
        public String getProtocol() {
            return protocol;
        }

        @Override
        public SslManagerBundle getManagers() {
            return live.managers();
        }

        /** The live context: one for the bundle, following every version; it cannot be initialised again. */
        @Override
        public SSLContext createSslContext() {
            return live.context();
        }

        @Override
        public String toString() {
            return "RotorSslBundle.Bundle{" + name + ", protocol=" + protocol + ", version=" + version
                    + ", keyStorePassword=****}";
        }
    }

    private final class KeyConsumer implements SecretConsumer {
        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "ssl-bundle";
        }

        @Override
        public String displayName() {
            return "SSL bundle " + name;
        }

        @Override
        public boolean inUse(Secret version) {
            CertificateBundle k = key;
            return k != null && k.version().equals(version.version());
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            read(candidate);
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            Secret next = change.current();
            try {
                update(read(next), trust);
            } catch (SecretRejectedException e) {
                throw refused(next, ref, e.reason());
            }
        }

        /** Parses and checks a version; the reason of a refusal names the certificate, never the key. */
        CertificateBundle read(Secret secret) throws SecretRejectedException {
            char[] password = keyPasswordRef == null
                    ? null
                    : secrets.get().value(keyPasswordRef.toString()).toCharArray();
            try {
                return CertificateBundle.from(secret, password)
                        .checkValidAt(clock.get().now());
            } catch (SecretException e) {
                throw refused(secret, ref, reason(e));
            } finally {
                if (password != null) {
                    Arrays.fill(password, '\0');
                }
            }
        }

        @Override
        public String toString() {
            return "SslBundleKeyConsumer{" + name + "}";
        }
    }

    private final class TrustConsumer implements SecretConsumer {
        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "ssl-bundle-trust";
        }

        @Override
        public String displayName() {
            return "SSL bundle " + name + " (trust)";
        }

        @Override
        public boolean inUse(Secret version) {
            TrustBundle t = trust;
            return t != null && t.version().equals(version.version());
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            read(candidate);
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            Secret next = change.current();
            try {
                update(key, read(next));
            } catch (SecretRejectedException e) {
                throw refused(next, trustRef, e.reason());
            }
        }

        TrustBundle read(Secret secret) throws SecretRejectedException {
            try {
                return TrustBundle.from(secret).checkValidAt(clock.get().now());
            } catch (SecretException e) {
                throw refused(secret, trustRef, reason(e));
            }
        }

        @Override
        public String toString() {
            return "SslBundleTrustConsumer{" + name + "}";
        }
    }
}
