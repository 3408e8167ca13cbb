package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.tls.CertificateBundle;
import dev.rotor.secrets.tls.TrustBundle;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslManagerBundle;

/**
 * The live side of a {@link RotorSslBundle}: the key manager, trust manager and {@link SSLContext} that every version
 * of the bundle hands out, so that a client or server built from the bundle once (a {@code RestClient} made through
 * {@code RestClientSsl}, a Netty server given the bundle's manager factories) follows each renewal by itself, without
 * being rebuilt.
 *
 * <ul>
 *   <li>The key manager presents the certificate in service. Each version has its own alias and the last few stay
 *       resolvable, so a handshake that chose its alias just before a hand-over gets the chain and the key of one
 *       version, never the new chain with the old key.
 *   <li>The trust manager checks peers against the CAs in service (the JDK's PKIX checks, rebuilt at each version);
 *       a bundle without a trust secret uses the Java runtime's default trust, which does not rotate.
 *   <li>The {@link SSLContext} delegates to a JDK context on those two managers, replaced by a fresh one at each
 *       hand-over: no handshake after it resumes a session made with the previous certificate (a resumed session
 *       would show the peer the old one). Connections already open keep their session.
 * </ul>
 *
 * Thread-safe: handshakes read one volatile reference per manager; versions are installed one at a time.
 */
final class RotorSslBundleContext {
    private static final Logger LOG = LoggerFactory.getLogger(RotorSslBundleContext.class);

    private final String protocol;
    private final LiveKeyManager keyManager = new LiveKeyManager();
    private final LiveTrustManager trustManager;
    private final KeyManager[] keyManagers;
    private final TrustManager[] trustManagers;
    private final SslManagerBundle managers;
    private final SSLContext context;
    private volatile SSLContext current;

    /**
     * @param rotatingTrust whether the bundle has a trust secret; without one, peers are checked against the Java
     *     runtime's default trust
     * @throws GeneralSecurityException when the Java runtime has no such protocol, or no default trust
     */
    RotorSslBundleContext(String protocol, boolean rotatingTrust) throws GeneralSecurityException {
        this.protocol = protocol;
        this.trustManager = new LiveTrustManager(rotatingTrust ? null : trustManagerOf(null));
        this.keyManagers = new KeyManager[] {keyManager};
        this.trustManagers = new TrustManager[] {trustManager};
        this.current = fresh();
        this.context = new SSLContext(new Switch(), current.getProvider(), current.getProtocol()) {};
        KeyManagerFactory kmf = new KeyManagerFactory(
                new FixedKeyManagers(keyManagers), current.getProvider(), KeyManagerFactory.getDefaultAlgorithm()) {};
        TrustManagerFactory tmf = new TrustManagerFactory(
                new FixedTrustManagers(trustManagers),
                current.getProvider(),
                TrustManagerFactory.getDefaultAlgorithm()) {};
        this.managers = SslManagerBundle.of(kmf, tmf);
    }

    /** Puts a version in service for every handshake that starts from now on ({@code trust} null: keep the CAs). */
    synchronized void install(CertificateBundle key, TrustBundle trust) {
        keyManager.install(key);
        if (trust != null) {
            try {
                trustManager.install(trustManagerOf(trust.toTrustStore()));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(
                        "cannot build a trust manager (" + e.getClass().getName() + ")");
            }
        }
        try {
            current = fresh();
        } catch (GeneralSecurityException | RuntimeException e) {
            // the managers present and check the new version all the same; only older sessions may still resume
            LOG.warn(
                    "Rotor could not renew the {} SSLContext of an SSL bundle after a hand-over ({}); sessions made"
                            + " before it may still be resumed",
                    protocol,
                    e.getClass().getName());
        }
    }

    /** The context to hand out: it follows every version by itself and cannot be initialised again. */
    SSLContext context() {
        return context;
    }

    /** Key and trust manager factories whose managers follow every version. */
    SslManagerBundle managers() {
        return managers;
    }

    private SSLContext fresh() throws GeneralSecurityException {
        SSLContext c = SSLContext.getInstance(protocol);
        c.init(keyManagers, trustManagers, null);
        return c;
    }

    private static X509ExtendedTrustManager trustManagerOf(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager tm : f.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager) {
                return (X509ExtendedTrustManager) tm;
            }
        }
        throw new GeneralSecurityException("the Java runtime has no X509ExtendedTrustManager");
    }

    @Override
    public String toString() {
        return "RotorSslBundleContext{" + protocol + ", " + keyManager + "}";
    }

    /** Presents the certificate in service; before the first version, none. Reads take no lock. */
    static final class LiveKeyManager extends X509ExtendedKeyManager {
        /** How many versions stay resolvable by alias: the one in service and the few before it. */
        static final int RECENT = 4;

        private static final AtomicLong SEQUENCE = new AtomicLong();

        private volatile Entry[] entries = new Entry[0];

        private static final class Entry {
            final String alias;
            final X509Certificate[] chain;
            final PrivateKey key;

            Entry(String alias, X509Certificate[] chain, PrivateKey key) {
                this.alias = alias;
                this.chain = chain;
                this.key = key;
            }
        }

        synchronized void install(CertificateBundle bundle) {
            Entry e = new Entry(
                    "rotor-" + SEQUENCE.incrementAndGet(),
                    bundle.chain().toArray(new X509Certificate[0]),
                    bundle.privateKey());
            Entry[] old = entries;
            Entry[] next = new Entry[Math.min(RECENT, old.length + 1)];
            next[0] = e;
            System.arraycopy(old, 0, next, 1, next.length - 1);
            entries = next;
        }

        /** The alias in service when its key serves {@code keyType} ({@code RSA}, {@code EC}, {@code EC_EC}, ...). */
        private String aliasFor(String keyType) {
            Entry[] es = entries;
            if (es.length == 0) {
                return null;
            }
            return serves(es[0].key.getAlgorithm(), keyType) ? es[0].alias : null;
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
            boolean edwards = base.equals("EdDSA") || base.equals("Ed25519") || base.equals("Ed448");
            return edwards && (algorithm.equals("EdDSA") || algorithm.equals("Ed25519") || algorithm.equals("Ed448"));
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
            return "LiveKeyManager{"
                    + (es.length == 0
                            ? "no certificate"
                            : "subject="
                                    + es[0].chain[0].getSubjectX500Principal().getName() + ", serial="
                                    + es[0].chain[0].getSerialNumber().toString(16))
                    + ", key=****}";
        }
    }

    /** Checks peers against the CAs in service: one volatile reference, replaced as a whole. */
    static final class LiveTrustManager extends X509ExtendedTrustManager {
        private volatile X509ExtendedTrustManager delegate;

        LiveTrustManager(X509ExtendedTrustManager initial) {
            this.delegate = initial;
        }

        void install(X509ExtendedTrustManager next) {
            delegate = next;
        }

        private X509ExtendedTrustManager d() throws CertificateException {
            X509ExtendedTrustManager d = delegate;
            if (d == null) {
                throw new CertificateException("the SSL bundle has no trusted certificates yet");
            }
            return d;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            d().checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            d().checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            d().checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            d().checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            d().checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            d().checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            X509ExtendedTrustManager d = delegate;
            return d == null ? new X509Certificate[0] : d.getAcceptedIssuers();
        }
    }

    /** The factory of the live key manager: {@code init} changes nothing, the bundle's secrets set the material. */
    private static final class FixedKeyManagers extends KeyManagerFactorySpi {
        private final KeyManager[] managers;

        FixedKeyManagers(KeyManager[] managers) {
            this.managers = managers;
        }

        @Override
        protected void engineInit(KeyStore ks, char[] password) {}

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {}

        @Override
        protected KeyManager[] engineGetKeyManagers() {
            return managers.clone();
        }
    }

    /** The factory of the live trust manager: {@code init} changes nothing, the bundle's secrets set the CAs. */
    private static final class FixedTrustManagers extends TrustManagerFactorySpi {
        private final TrustManager[] managers;

        FixedTrustManagers(TrustManager[] managers) {
            this.managers = managers;
        }

        @Override
        protected void engineInit(KeyStore ks) {}

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {}

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return managers.clone();
        }
    }

    /** Makes every engine, socket and server socket from the JDK context in service now. */
    private final class Switch extends SSLContextSpi {
        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random)
                throws KeyManagementException {
            throw new KeyManagementException(
                    "this SSLContext belongs to a Rotor SSL bundle and follows its secrets; it cannot be initialised"
                            + " again");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new SwitchingSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return new SwitchingServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return current.createSSLEngine();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return current.createSSLEngine(host, port);
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return current.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return current.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return current.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return current.getSupportedSSLParameters();
        }
    }

    private final class SwitchingSocketFactory extends SSLSocketFactory {
        private SSLSocketFactory f() {
            return current.getSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return f().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return f().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return f().createSocket();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return f().createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return f().createSocket(s, consumed, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return f().createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return f().createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return f().createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return f().createSocket(address, port, localAddress, localPort);
        }
    }

    /** A server socket keeps the JDK context it was made with: it presents the live certificate all the same. */
    private final class SwitchingServerSocketFactory extends SSLServerSocketFactory {
        private SSLServerSocketFactory f() {
            return current.getServerSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return f().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return f().getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return f().createServerSocket();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return f().createServerSocket(port);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return f().createServerSocket(port, backlog);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return f().createServerSocket(port, backlog, address);
        }
    }
}
