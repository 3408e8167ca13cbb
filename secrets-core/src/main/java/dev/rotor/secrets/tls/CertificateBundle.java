package dev.rotor.secrets.tls;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.tls.internal.Certificates;
import dev.rotor.secrets.tls.internal.Invalid;
import dev.rotor.secrets.tls.internal.Material;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One version of a certificate with its private key, parsed from a {@link Secret} and checked: the chain to present
 * (leaf first), the key, and the CA certificates the secret carries.
 *
 * <p><b>Fields.</b> A secret with fields is read by the names Vault PKI answers and the ones cert-manager and
 * Kubernetes TLS secrets hold, the first present of each list winning:
 *
 * <ul>
 *   <li>the certificate chain, leaf first: {@link #CERTIFICATE_FIELDS} ({@code tls.crt}, {@code certificate});
 *   <li>the private key: {@link #PRIVATE_KEY_FIELDS} ({@code tls.key}, {@code private_key}) in PKCS#8 ({@code BEGIN
 *       PRIVATE KEY}), encrypted PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}, with a password), PKCS#1 RSA ({@code
 *       BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY});
 *   <li>CA certificates, all of them read: {@link #CA_FIELDS} ({@code ca.crt}, {@code ca}, {@code issuing_ca}, {@code
 *       ca_chain}). When the certificate field holds the leaf alone (Vault), the chain is completed from them with
 *       the issuers of its last certificate, up to (not including) a self-signed root.
 * </ul>
 *
 * A secret with one raw value is read as PEM holding the certificates and one private key.
 *
 * <p><b>Checks.</b> {@link #from(Secret)} refuses a key that is not the leaf's and a chain in which a certificate is
 * not issued and signed by the next one ({@link SecretRejectedException}: {@code "chain breaks between certificate 1
 * and 2 ..."}), and content that does not parse ({@link SecretFormatException}); {@link #checkValidAt(Instant)} refuses
 * a certificate outside its validity window. {@link #validator(TimeSource)} does all of it for the engine, whose
 * veto keeps the version in service. Messages name the ref, the source, the field and the certificate (subject,
 * serial, dates): never a key's bytes, PEM text or a password.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .validator("file:/etc/tls?format=tls", CertificateBundle.validator(TimeSource.system()))
 *         .build();
 * CertificateBundle bundle = CertificateBundle.from(secrets.get("file:/etc/tls?format=tls"));
 * Instant renewBy = bundle.notAfter();
 * }</pre>
 *
 * <p><b>The lease is the validity.</b> {@link #validityLease()} is the lease a source gives a certificate version:
 * issued at the leaf's {@code notBefore}, ending at its {@code notAfter}. The engine then refreshes at about two thirds
 * of the validity (less jitter) and stops serving the version when it ends; the file source's {@code format=tls}
 * attaches it, and an adapter that issues certificates attaches it with {@code Secret.Builder.lease(...)}.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows the ref, version, subject, serial and {@code notAfter}
 * only. Deliberately not a record: a record would print its key.
 */
public final class CertificateBundle {
    /** The fields read for the certificate chain, first present wins. */
    public static final List<String> CERTIFICATE_FIELDS = Material.CERTIFICATE_FIELDS;

    /** The fields read for the private key, first present wins. */
    public static final List<String> PRIVATE_KEY_FIELDS = Material.PRIVATE_KEY_FIELDS;

    /** The fields read for CA certificates, every one present. */
    public static final List<String> CA_FIELDS = Material.CA_FIELDS;

    private final SecretRef ref;
    private final String version;
    private final Material material;

    private CertificateBundle(SecretRef ref, String version, Material material) {
        this.ref = ref;
        this.version = version;
        this.material = material;
    }

    /**
     * Parses and checks {@code secret}, whose key is not encrypted.
     *
     * @throws SecretFormatException when it does not parse (the message names the field and says what is wrong)
     * @throws SecretRejectedException when the key is not the leaf's, or the chain breaks
     */
    public static CertificateBundle from(Secret secret) {
        return from(secret, null);
    }

    /**
     * Parses and checks {@code secret}, decrypting its key with {@code keyPassword} when it is encrypted. The password
     * is neither kept nor wiped: the caller owns the array.
     *
     * @throws SecretFormatException when it does not parse, or the key cannot be decrypted with the password
     * @throws SecretRejectedException when the key is not the leaf's, or the chain breaks
     */
    public static CertificateBundle from(Secret secret, char[] keyPassword) {
        Objects.requireNonNull(secret, "secret");
        try {
            return new CertificateBundle(secret.ref(), secret.version(), Material.read(secret, keyPassword));
        } catch (Invalid e) {
            throw translate(e, secret.ref());
        }
    }

    /**
     * A validator for the engine ({@code Secrets.Builder.validator(ref, ...)}) that vetoes a version that does not
     * parse, whose key is not its leaf's, whose chain breaks, or that is outside its validity window on {@code clock}:
     * the version in service stays, a {@link dev.rotor.secrets.SecretEventType#REJECTED} event says why, and the
     * engine tries again later. For keys that are not encrypted.
     */
    public static SecretValidator validator(TimeSource clock) {
        return validator(clock, () -> null);
    }

    /**
     * As {@link #validator(TimeSource)}, decrypting encrypted keys with the password {@code keyPassword} supplies at
     * each validation (it may read another secret; the array it returns is wiped after use).
     */
    public static SecretValidator validator(TimeSource clock, Supplier<char[]> keyPassword) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(keyPassword, "keyPassword");
        return SecretValidator.named("certificate check", (candidate, current) -> {
            char[] password = keyPassword.get();
            try {
                Material.read(candidate, password).checkValidAt(clock.now());
            } catch (Invalid e) {
                throw new SecretRejectedException(e.reason());
            } finally {
                if (password != null) {
                    Arrays.fill(password, '\0');
                }
            }
        });
    }

    /**
     * The lease a certificate's validity makes: issued at {@code leaf}'s {@code notBefore}, ending at its {@code
     * notAfter}, not renewable. For a source (or an adapter issuing certificates) to attach to the version.
     */
    public static Lease validityLease(X509Certificate leaf) {
        return Certificates.validityLease(Objects.requireNonNull(leaf, "leaf"));
    }

    /** This version's validity as a lease: see {@link #validityLease(X509Certificate)}. */
    public Lease validityLease() {
        return validityLease(leaf());
    }

    /**
     * This bundle, when every certificate of its chain is within its validity window at {@code now}.
     *
     * @throws SecretRejectedException naming the certificate and when it expired, or when it becomes valid
     */
    public CertificateBundle checkValidAt(Instant now) {
        try {
            material.checkValidAt(now);
            return this;
        } catch (Invalid e) {
            throw translate(e, ref);
        }
    }

    /** Whether every certificate of the chain is within its validity window at {@code now}. */
    public boolean isValidAt(Instant now) {
        try {
            material.checkValidAt(now);
            return true;
        } catch (Invalid e) {
            return false;
        }
    }

    static SecretException translate(Invalid e, SecretRef ref) {
        return e.malformed()
                ? new SecretFormatException(e.reason(), ref, ref.scheme())
                : new SecretRejectedException(e.reason(), ref, ref.scheme());
    }

    /** The secret this version belongs to. */
    public SecretRef ref() {
        return ref;
    }

    /** The secret's version id. */
    public String version() {
        return version;
    }

    /** The leaf certificate: the one whose key this is. */
    public X509Certificate leaf() {
        return material.leaf();
    }

    /** The chain presented to peers, leaf first. */
    public List<X509Certificate> chain() {
        return material.chain();
    }

    /** The private key of the leaf. */
    public PrivateKey privateKey() {
        return material.key();
    }

    /** The CA certificates the secret carries (its CA fields); empty when it has none. */
    public List<X509Certificate> caCertificates() {
        return material.authorities();
    }

    /** The parsed material, for the managers of this package. */
    Material material() {
        return material;
    }

    /** The leaf's subject, as RFC 2253 writes it ({@code CN=api,O=Example}). */
    public String subject() {
        return Certificates.subject(leaf());
    }

    /** The leaf's serial number. */
    public BigInteger serialNumber() {
        return leaf().getSerialNumber();
    }

    /** When the leaf becomes valid. */
    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    /** When the leaf expires: the hard deadline of the version. */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /**
     * A new in-memory PKCS#12 key store holding this version's key and chain under {@code alias}, protected by {@code
     * password}: for APIs that take a key store rather than a key manager (a Spring SSL bundle, a {@code
     * KeyManagerFactory}). A snapshot: it does not follow rotations.
     */
    public KeyStore toKeyStore(String alias, char[] password) {
        Objects.requireNonNull(alias, "alias");
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(alias, material.key(), password, chain().toArray(new X509Certificate[0]));
            return store;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot build a PKCS12 key store (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The key's algorithm ({@code RSA}, {@code EC}, ...). */
    public String keyAlgorithm() {
        return material.key().getAlgorithm();
    }

    @Override
    public String toString() {
        return "CertificateBundle{ref=" + ref + ", version=" + version + ", subject=" + subject() + ", serial="
                + Certificates.serial(leaf()) + ", notAfter=" + notAfter() + "}";
    }
}
