package dev.rotor.secrets.vault.internal;

import dev.rotor.secrets.SecretConfigurationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Builds the SSL context from PEM files: a CA bundle to trust, a client certificate chain and PKCS#8 key for mTLS. */
public final class Tls {
    private static final Pattern KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    public final SSLContext context;
    public final X509TrustManager trustManager;

    private Tls(SSLContext context, X509TrustManager trustManager) {
        this.context = context;
        this.trustManager = trustManager;
    }

    /** {@code caPem} and {@code certPem}/{@code keyPem} may each be null; fails naming the option and file. */
    public static Tls of(Path caPem, Path certPem, Path keyPem) {
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
            KeyManagerFactory kmf = null;
            if (certPem != null) {
                List<Certificate> chain = certificates(certPem, "clientCertificatePem");
                PrivateKey key = privateKey(keyPem);
                char[] pw = new char[0];
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", key, pw, chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, pw);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), new TrustManager[] {tm}, null);
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

    private static PrivateKey privateKey(Path pem) throws IOException {
        new CredentialFiles().check(pem, "VaultSource.clientCertificatePem private key");
        String text = new String(Files.readAllBytes(pem), StandardCharsets.US_ASCII);
        Matcher m = KEY.matcher(text);
        if (!m.find()) {
            throw new SecretConfigurationException(
                    "VaultSource client key must be an unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY): " + pem, null, null);
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new SecretConfigurationException(
                "VaultSource client key is not an RSA, EC or Ed25519 key: " + pem, null, null);
    }
}
