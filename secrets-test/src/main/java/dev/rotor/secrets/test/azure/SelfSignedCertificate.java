package dev.rotor.secrets.test.azure;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * One self-signed certificate for {@code 127.0.0.1} and {@code localhost}, made once per JVM by the JDK's own {@code
 * keytool} (no other library), for the fake's HTTPS port; and a trust store holding only that certificate, for the
 * client under test. Thread-safe.
 */
final class SelfSignedCertificate {
    private static final Object LOCK = new Object();
    private static SelfSignedCertificate instance;

    private final KeyStore keyStore;
    private final char[] password;
    private final KeyStore trustStore;

    private SelfSignedCertificate(KeyStore keyStore, char[] password, KeyStore trustStore) {
        this.keyStore = keyStore;
        this.password = password;
        this.trustStore = trustStore;
    }

    static SelfSignedCertificate get() {
        synchronized (LOCK) {
            if (instance == null) {
                instance = make();
            }
            return instance;
        }
    }

    SSLContext serverContext() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not set up the fake's TLS", e);
        }
    }

    /** A trust store holding the certificate alone (a copy: the caller may change it). */
    KeyStore trustStore() {
        try {
            KeyStore copy = KeyStore.getInstance(KeyStore.getDefaultType());
            copy.load(null, null);
            copy.setCertificateEntry("key-vault-fake", trustStore.getCertificate("key-vault-fake"));
            return copy;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("could not copy the fake's trust store", e);
        }
    }

    private static SelfSignedCertificate make() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        char[] password = HexFormat.of().formatHex(random).toCharArray();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("rotor-key-vault-fake");
            Path file = dir.resolve("fake.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            ProcessBuilder p = new ProcessBuilder(
                            keytool.toString(),
                            "-genkeypair",
                            "-alias",
                            "key-vault-fake",
                            "-keyalg",
                            "EC",
                            "-groupname",
                            "secp256r1",
                            "-dname",
                            "CN=localhost",
                            "-ext",
                            "SAN=ip:127.0.0.1,dns:localhost",
                            "-validity",
                            "3650",
                            "-storetype",
                            "PKCS12",
                            "-keystore",
                            file.toString(),
                            "-storepass:env",
                            "ROTOR_FAKE_STORE_PASS")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            p.environment().put("ROTOR_FAKE_STORE_PASS", new String(password));
            Process running = p.start();
            if (!running.waitFor(60, TimeUnit.SECONDS)) {
                running.destroyForcibly();
                throw new IllegalStateException("keytool did not finish within 60 s");
            }
            if (running.exitValue() != 0) {
                throw new IllegalStateException("keytool failed with exit code " + running.exitValue());
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                ks.load(in, password);
            }
            Certificate cert = ks.getCertificate("key-vault-fake");
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("key-vault-fake", cert);
            return new SelfSignedCertificate(ks, password, trust);
        } catch (IOException e) {
            throw new UncheckedIOException("could not make the fake's certificate", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not make the fake's certificate", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the fake's certificate", e);
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir.resolve("fake.p12"));
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }
}
