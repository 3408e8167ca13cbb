package dev.rotor.secrets.tls.internal;

import dev.rotor.secrets.Secret;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * One version's key material, parsed from a secret: the chain to present (leaf first), its private key, and the CA
 * certificates the secret carries. Reads the fields Vault PKI answers ({@code certificate}, {@code private_key}, {@code
 * issuing_ca}, {@code ca_chain}) and the ones cert-manager and Kubernetes TLS secrets hold ({@code tls.crt}, {@code
 * tls.key}, {@code ca.crt}), or one raw PEM value holding the certificates and the key. Immutable; never printed with
 * its key.
 */
public final class Material {
    public static final List<String> CERTIFICATE_FIELDS = List.of("tls.crt", "certificate");
    public static final List<String> PRIVATE_KEY_FIELDS = List.of("tls.key", "private_key");
    public static final List<String> CA_FIELDS = List.of("ca.crt", "ca", "issuing_ca", "ca_chain");

    /** How the refusal of a key that is not the leaf's begins. */
    static final String KEY_MISMATCH = "private key does not match the leaf certificate";

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final List<X509Certificate> authorities;

    private Material(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> authorities) {
        this.chain = List.copyOf(chain);
        this.key = key;
        this.authorities = List.copyOf(authorities);
    }

    public List<X509Certificate> chain() {
        return chain;
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public PrivateKey key() {
        return key;
    }

    public List<X509Certificate> authorities() {
        return authorities;
    }

    /**
     * Parses {@code secret} and checks what does not depend on the time: the key is the leaf's, and the chain holds
     * together. The chain is the certificate field's certificates, completed from the CA fields with the issuers of
     * its last certificate up to (not including) a self-signed root, so that a Vault answer (a leaf in {@code
     * certificate}, the intermediates in {@code ca_chain}) presents the same chain as a cert-manager one (leaf and
     * intermediates in {@code tls.crt}).
     */
    public static Material read(Secret secret, char[] password) throws Invalid {
        List<X509Certificate> certs;
        PrivateKey key;
        List<X509Certificate> cas;
        if (secret.fieldNames().isEmpty()) {
            List<Pem.Block> blocks = Pem.parse(secret.value(), "the value");
            try {
                List<Pem.Block> certBlocks = new ArrayList<>();
                Pem.Block keyBlock = null;
                for (Pem.Block b : blocks) {
                    if (Keys.isKey(b.label())) {
                        if (keyBlock != null) {
                            throw Invalid.malformed("the value holds more than one private key");
                        }
                        keyBlock = b;
                    } else {
                        certBlocks.add(b);
                    }
                }
                if (keyBlock == null) {
                    throw Invalid.malformed("the value holds no private key");
                }
                if (certBlocks.isEmpty()) {
                    throw Invalid.malformed("the value holds no certificate");
                }
                certs = Certificates.read(certBlocks, "the value");
                key = Keys.read(keyBlock, password, "the value's private key");
                cas = List.of();
            } finally {
                blocks.forEach(Pem.Block::wipe);
            }
        } else {
            String certField = first(secret, CERTIFICATE_FIELDS, "certificate");
            String keyField = first(secret, PRIVATE_KEY_FIELDS, "private key");
            certs = certificates(secret, certField);
            key = key(secret, keyField, password);
            cas = authorities(secret);
        }
        if (!Keys.matches(key, certs.get(0).getPublicKey())) {
            throw Invalid.refused("private key does not match the leaf certificate ("
                    + Certificates.subject(certs.get(0)) + ", serial " + Certificates.serial(certs.get(0)) + ")");
        }
        List<X509Certificate> chain = complete(certs, cas);
        Certificates.checkChain(chain);
        return new Material(chain, key, cas);
    }

    /** Checks that every certificate of the chain is in its validity window at {@code now}. */
    public Material checkValidAt(Instant now) throws Invalid {
        Certificates.checkValidAt(chain, now, "certificate");
        return this;
    }

    /** The leaf certificate of {@code secret} alone (no key is read): for a source that needs its validity. */
    public static X509Certificate leafOf(Secret secret) throws Invalid {
        if (secret.fieldNames().isEmpty()) {
            List<Pem.Block> blocks = Pem.parse(secret.value(), "the value");
            try {
                for (Pem.Block b : blocks) {
                    if (b.label().equals(Certificates.LABEL)) {
                        return Certificates.read(List.of(b), "the value").get(0);
                    }
                }
                throw Invalid.malformed("the value holds no certificate");
            } finally {
                blocks.forEach(Pem.Block::wipe);
            }
        }
        return certificates(secret, first(secret, CERTIFICATE_FIELDS, "certificate"))
                .get(0);
    }

    /**
     * The CA certificates of {@code secret}: every certificate of its CA fields, each once, in field order; for a secret
     * with one raw value, every certificate in it.
     */
    public static List<X509Certificate> authorities(Secret secret) throws Invalid {
        List<X509Certificate> out = new ArrayList<>();
        if (secret.fieldNames().isEmpty()) {
            addNew(out, certificates(secret.value(), "the value"));
            return out;
        }
        for (String f : CA_FIELDS) {
            Optional<String> text = secret.field(f);
            if (text.isPresent()) {
                addNew(out, certificates(text.get(), "field '" + f + "'"));
            }
        }
        return out;
    }

    private static void addNew(List<X509Certificate> out, List<X509Certificate> more) {
        for (X509Certificate c : more) {
            if (!out.contains(c)) {
                out.add(c);
            }
        }
    }

    private static List<X509Certificate> complete(List<X509Certificate> certs, List<X509Certificate> cas) {
        List<X509Certificate> chain = new ArrayList<>(certs);
        for (int guard = 0; guard < cas.size(); guard++) {
            X509Certificate last = chain.get(chain.size() - 1);
            if (Certificates.selfSigned(last)) {
                break;
            }
            X509Certificate issuer = null;
            for (X509Certificate ca : cas) {
                if (ca.getSubjectX500Principal().equals(last.getIssuerX500Principal())
                        && !chain.contains(ca)
                        && !Certificates.selfSigned(ca)) {
                    issuer = ca;
                    break;
                }
            }
            if (issuer == null) {
                break;
            }
            chain.add(issuer);
        }
        return Collections.unmodifiableList(chain);
    }

    private static String first(Secret secret, List<String> names, String what) throws Invalid {
        for (String n : names) {
            if (secret.fieldNames().contains(n)) {
                return n;
            }
        }
        throw Invalid.malformed(
                "no " + what + " field: expected one of " + names + ", the secret has " + secret.fieldNames());
    }

    private static List<X509Certificate> certificates(Secret secret, String field) throws Invalid {
        return certificates(secret.field(field).orElseThrow(), "field '" + field + "'");
    }

    private static List<X509Certificate> certificates(String text, String what) throws Invalid {
        List<Pem.Block> blocks = Pem.parse(text, what);
        try {
            return Certificates.read(blocks, what);
        } finally {
            blocks.forEach(Pem.Block::wipe);
        }
    }

    private static PrivateKey key(Secret secret, String field, char[] password) throws Invalid {
        String what = "field '" + field + "'";
        List<Pem.Block> blocks = Pem.parse(secret.field(field).orElseThrow(), what);
        try {
            Pem.Block keyBlock = null;
            for (Pem.Block b : blocks) {
                if (Keys.isKey(b.label())) {
                    if (keyBlock != null) {
                        throw Invalid.malformed(what + " holds more than one private key");
                    }
                    keyBlock = b;
                } else if (!b.label().equals("EC PARAMETERS")) { // openssl ecparam -genkey writes one first
                    throw Invalid.malformed(what + " holds a '" + b.label() + "' block; a private key is expected");
                }
            }
            if (keyBlock == null) {
                throw Invalid.malformed(what + " holds no private key");
            }
            return Keys.read(keyBlock, password, what);
        } finally {
            blocks.forEach(Pem.Block::wipe);
        }
    }

    @Override
    public String toString() {
        X509Certificate leaf = leaf();
        return "Material{subject=" + Certificates.subject(leaf) + ", serial=" + Certificates.serial(leaf)
                + ", notAfter=" + leaf.getNotAfter().toInstant() + ", key=****}";
    }
}
