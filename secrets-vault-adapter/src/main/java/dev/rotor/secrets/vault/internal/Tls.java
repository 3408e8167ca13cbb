package dev.rotor.secrets.vault.internal;

import dev.rotor.secrets.SecretConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust side of the TLS settings: the CA bundle (PEM) to trust, or the JVM's default trust store. The client
 * certificate for mTLS is {@link ClientCertificateFiles}, which follows its files.
 */
public final class Tls {
    public final SSLContext context;
    public final X509TrustManager trustManager;

    private Tls(SSLContext context, X509TrustManager trustManager) {
        this.context = context;
        this.trustManager = trustManager;
    }

    /** {@code caPem} may be null (the JVM's trust store); fails naming the option and file. */
    public static Tls of(Path caPem) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (caPem == null) {
                tmf.init((KeyStore) null);
            } else {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(caPem, "caCertificatePem")) {
                    trust.setCertificateEntry("ca-" + i++, c);
                }
                tmf.init(trust);
            }
            X509TrustManager tm = null;
            for (TrustManager t : tmf.getTrustManagers()) {
                if (t instanceof X509TrustManager) {
                    tm = (X509TrustManager) t;
                }
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {tm}, null);
            return new Tls(ctx, tm);
        } catch (GeneralSecurityException | IOException e) {
            throw new SecretConfigurationException(
                    "VaultSource TLS settings could not be loaded ("
                            + e.getClass().getSimpleName() + ")",
                    null,
                    null,
                    e);
        }
    }

    private static List<Certificate> certificates(Path pem, String option) throws IOException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Collection<? extends Certificate> certs =
                    cf.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)));
            if (certs.isEmpty()) {
                throw new SecretConfigurationException(
                        "VaultSource " + option + " holds no certificate: " + pem, null, null);
            }
            return new ArrayList<>(certs);
        } catch (java.security.cert.CertificateException e) {
            throw new SecretConfigurationException(
                    "VaultSource " + option + " is not a PEM certificate: " + pem, null, null, e);
        }
    }
}
