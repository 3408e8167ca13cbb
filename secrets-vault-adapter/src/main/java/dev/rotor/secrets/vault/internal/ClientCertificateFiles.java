package dev.rotor.secrets.vault.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.tls.CertificateBundle;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client certificate for mTLS (and certificate login) read from a PEM certificate chain and a PEM key file that
 * may be replaced while the application runs (cert-manager, a Kubernetes TLS secret, a sidecar that writes {@code
 * tls.crt} and {@code tls.key}). Before each new connection, and before each call, the files' modification time, size
 * and identity are compared with those of the pair in use; when they changed the pair is read again and checked ({@link
 * CertificateBundle}: the key is the leaf's, the chain holds, the certificate is valid now), and a good pair gets a new
 * JDK {@link SSLContext}, so no later handshake resumes a session made with the old certificate. A pair that does not
 * pass (a write in progress: a new certificate next to the old key) is not used: the pair in service stays, one WARN
 * per change names the files and why, never their content, and the files are read again at the next change.
 *
 * <p>Connections already open keep their certificate; {@link #refresh()} tells the caller when to drop idle ones.
 * Thread-safe: the pair in use is one volatile reference.
 */
public final class ClientCertificateFiles {
    private static final Logger LOG = LoggerFactory.getLogger(ClientCertificateFiles.class);
    private static final char[] NO_PASSWORD = new char[0];
    private static final SecretRef REF = SecretRef.parse("file:vault-client-certificate");

    private final Path certificate;
    private final Path key;
    private final X509TrustManager trust;
    private final CredentialFiles credentialFiles;
    private final Object lock = new Object();
    private volatile Loaded current;
    private volatile String refusedStamp;
    private volatile TimeSource clock = TimeSource.system();
    private volatile long generation;

    /** One pair in service: what the files looked like when read, its context and serial number. */
    private static final class Loaded {
        final String stamp;
        final SSLContext context;
        final String serial;

        Loaded(String stamp, SSLContext context, String serial) {
            this.stamp = stamp;
            this.context = context;
            this.serial = serial;
        }
    }

    private ClientCertificateFiles(Path certificate, Path key, X509TrustManager trust, CredentialFiles files) {
        this.certificate = certificate;
        this.key = key;
        this.trust = trust;
        this.credentialFiles = files;
    }

    /**
     * Reads the pair now: a pair that is missing, does not parse or does not match fails here, with a {@link
     * SecretConfigurationException} naming the option and the files.
     */
    public static ClientCertificateFiles load(Path certificate, Path key, X509TrustManager trust) {
        ClientCertificateFiles f = new ClientCertificateFiles(
                Objects.requireNonNull(certificate, "certificate"),
                Objects.requireNonNull(key, "key"),
                Objects.requireNonNull(trust, "trust"),
                new CredentialFiles());
        f.credentialFiles.check(key, "VaultSource.clientCertificatePem private key");
        try {
            String stamp = f.stamp();
            f.current = f.read(stamp);
        } catch (IOException e) {
            throw new SecretConfigurationException(
                    "VaultSource.clientCertificatePem could not be read ("
                            + e.getClass().getSimpleName() + "): " + certificate + ", " + key,
                    null,
                    null);
        } catch (SecretException e) {
            throw new SecretConfigurationException(
                    "VaultSource.clientCertificatePem " + certificate + ", " + key + ": " + reason(e), null, null);
        }
        return f;
    }

    /** The clock the certificates' validity is checked on. */
    public void useClock(TimeSource clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Reads the files again when they changed since the pair in service was read; answers true when a new pair was
     * put in service (idle connections made with the old one may then be dropped).
     */
    public boolean refresh() {
        String stamp;
        try {
            stamp = stamp();
        } catch (IOException e) {
            return false; // a file being replaced: the pair in service stays, and the next look reads it
        }
        if (stamp.equals(current.stamp) || stamp.equals(refusedStamp)) {
            return false;
        }
        synchronized (lock) {
            if (stamp.equals(current.stamp) || stamp.equals(refusedStamp)) {
                return false;
            }
            try {
                Loaded next = read(stamp);
                String previous = current.serial;
                current = next;
                generation++;
                refusedStamp = null;
                LOG.info(
                        "Vault client certificate replaced from {} (serial {} after {}); new connections use it",
                        certificate,
                        next.serial,
                        previous);
                return true;
            } catch (IOException | SecretException e) {
                refusedStamp = stamp;
                LOG.warn(
                        "Vault client certificate files {} and {} changed but are not used ({}); the certificate"
                                + " with serial {} stays in service until they change again",
                        certificate,
                        key,
                        e instanceof SecretException
                                ? reason((SecretException) e)
                                : e.getClass().getSimpleName(),
                        current.serial);
                return false;
            }
        }
    }

    /**
     * How many times a new pair was put in service: a caller that keeps connections compares it with the one its
     * connections were made under (a change may be found while a new connection is being made, not only by {@link
     * #refresh()}'s caller).
     */
    public long generation() {
        return generation;
    }

    /** The serial number (hex) of the certificate in service. */
    public String serial() {
        return current.serial;
    }

    /**
     * A socket factory that looks at the files before each new socket and makes it from the context of the pair in
     * service: what OkHttp takes.
     */
    public SSLSocketFactory socketFactory() {
        return new Factory();
    }

    private SSLSocketFactory factory() {
        refresh();
        return current.context.getSocketFactory();
    }

    private Loaded read(String stamp) throws IOException {
        credentialFiles.check(key, "VaultSource.clientCertificatePem private key");
        byte[] certBytes = Files.readAllBytes(certificate);
        byte[] keyBytes = Files.readAllBytes(key);
        try {
            Secret pair = Secret.builder(REF)
                    .version(stamp)
                    .fields(Map.of(
                            "tls.crt",
                            new String(certBytes, StandardCharsets.US_ASCII),
                            "tls.key",
                            new String(keyBytes, StandardCharsets.US_ASCII)))
                    .fetchedAt(clock.now())
                    .build();
            CertificateBundle bundle = CertificateBundle.from(pair).checkValidAt(clock.now());
            KeyStore store = bundle.toKeyStore("client", NO_PASSWORD);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, NO_PASSWORD);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), new TrustManager[] {trust}, null);
            return new Loaded(stamp, ctx, bundle.serialNumber().toString(16));
        } catch (GeneralSecurityException e) {
            throw new SecretConfigurationException(
                    "the client certificate could not be set up ("
                            + e.getClass().getSimpleName() + ")",
                    null,
                    null);
        } finally {
            Arrays.fill(keyBytes, (byte) 0);
        }
    }

    /** The two files' modification times, sizes and identities (following links, as a Kubernetes mount needs). */
    private String stamp() throws IOException {
        return stampOf(certificate) + "|" + stampOf(key);
    }

    private static String stampOf(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return a.lastModifiedTime() + "/" + a.size() + "/" + a.fileKey();
    }

    private static String reason(SecretException e) {
        String m = e instanceof dev.rotor.secrets.SecretRejectedException
                ? ((dev.rotor.secrets.SecretRejectedException) e).reason()
                : e.getMessage();
        int at = m == null ? -1 : m.lastIndexOf(" [ref=");
        return at < 0 ? String.valueOf(m) : m.substring(0, at);
    }

    @Override
    public String toString() {
        return "ClientCertificateFiles{" + certificate + ", " + key + ", serial=" + current.serial + "}";
    }

    /** Delegates each new socket to the context of the pair in service at that moment. */
    private final class Factory extends SSLSocketFactory {
        @Override
        public String[] getDefaultCipherSuites() {
            return current.context.getSocketFactory().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return current.context.getSocketFactory().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return factory().createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket() throws IOException {
            return factory().createSocket();
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return factory().createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return factory().createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return factory().createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return factory().createSocket(address, port, localAddress, localPort);
        }

        @Override
        public String toString() {
            return "ClientCertificateFiles.Factory{" + certificate + "}";
        }
    }
}
