package dev.rotor.secrets.tls.internal;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that presents the key material in service: one volatile array, newest first, replaced as a whole on
 * each hand-over. A handshake asks for an alias and then, separately, for its chain and its key: each version has its
 * own alias, and the last few versions stay resolvable by their alias, so a handshake that chose its alias just
 * before a hand-over still gets a chain and a key of one version, never the new chain with the old key.
 *
 * <p>The alias is offered for every key type the key's algorithm serves ({@code RSA}, {@code EC} and TLS 1.2's
 * {@code EC_EC}/{@code EC_RSA}, {@code RSASSA-PSS} for an RSA-PSS key, {@code EdDSA}), whatever issuers the peer names:
 * the material is the one this application has, and the peer decides whether it trusts it. Before the first version
 * it offers none. Thread-safe; reads take no lock.
 */
public final class RotatingKeyManager extends X509ExtendedKeyManager {
    /** How many versions stay resolvable by alias: the one in service and the few before it. */
    static final int RECENT = 4;

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private volatile Entry[] entries = new Entry[0];

    private static final class Entry {
        final String alias;
        final String version;
        final X509Certificate[] chain;
        final PrivateKey key;

        Entry(String alias, String version, X509Certificate[] chain, PrivateKey key) {
            this.alias = alias;
            this.version = version;
            this.chain = chain;
            this.key = key;
        }
    }

    /** Puts {@code material} (version {@code version} of its secret) in service for every handshake that starts now. */
    public synchronized void install(Material material, String version) {
        List<X509Certificate> chain = material.chain();
        Entry e = new Entry(
                "rotor-" + SEQUENCE.incrementAndGet(), version, chain.toArray(new X509Certificate[0]), material.key());
        Entry[] old = entries;
        Entry[] next = new Entry[Math.min(RECENT, old.length + 1)];
        next[0] = e;
        System.arraycopy(old, 0, next, 1, next.length - 1);
        entries = next;
    }

    /** The leaf certificate in service; empty before the first version. */
    public Optional<X509Certificate> leaf() {
        Entry[] es = entries;
        return es.length == 0 ? Optional.empty() : Optional.of(es[0].chain[0]);
    }

    /** The version id of the key material in service; empty before the first version. */
    public Optional<String> version() {
        Entry[] es = entries;
        return es.length == 0 ? Optional.empty() : Optional.of(es[0].version);
    }

    private String aliasFor(String keyType) {
        Entry[] es = entries;
        if (es.length == 0) {
            return null;
        }
        Entry e = es[0];
        return serves(e.key.getAlgorithm(), keyType) ? e.alias : null;
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes == null) {
            return aliasFor((String) null);
        }
        for (String t : keyTypes) {
            String alias = aliasFor(t);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    static boolean serves(String algorithm, String keyType) {
        if (keyType == null) {
            return true;
        }
        int cut = keyType.indexOf('_');
        String base = cut < 0 ? keyType : keyType.substring(0, cut);
        if (base.equals(algorithm)) {
            return true;
        }
        if (base.equals("EdDSA") || base.equals("Ed25519") || base.equals("Ed448")) {
            return algorithm.equals("EdDSA") || algorithm.equals("Ed25519") || algorithm.equals("Ed448");
        }
        return false;
    }

    private Entry find(String alias) {
        if (alias == null) {
            return null;
        }
        for (Entry e : entries) {
            if (e.alias.equals(alias)) {
                return e;
            }
        }
        return null;
    }

    private String[] aliases(String keyType) {
        String alias = aliasFor(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliases(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Entry e = find(alias);
        return e == null ? null : e.chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Entry e = find(alias);
        return e == null ? null : e.key;
    }

    @Override
    public String toString() {
        Entry[] es = entries;
        return "RotatingKeyManager{"
                + (es.length == 0
                        ? "no key material"
                        : "version=" + es[0].version + ", subject=" + Certificates.subject(es[0].chain[0]) + ", serial="
                                + Certificates.serial(es[0].chain[0]))
                + ", key=****}";
    }
}
