package dev.rotor.examples.springboot;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Plays the CA behind cert-manager for the HTTPS test: mints a CA and leaf certificates (EC P-256, for 127.0.0.1 and
 * localhost), and writes them the way cert-manager and Kubernetes TLS secrets hold them: {@code tls.crt}, {@code
 * tls.key} (PKCS#8), {@code ca.crt}. Serial numbers are unique per JVM.
 */
final class TestCa {
    private static final AtomicLong SERIALS = new AtomicLong(0x5000);

    private TestCa() {}

    /** A certificate with its key pair. */
    static final class Issued {
        final X509Certificate certificate;
        final KeyPair keys;

        Issued(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }

        BigInteger serial() {
            return certificate.getSerialNumber();
        }

        String certPem() {
            return pem(certificate);
        }

        String keyPem() {
            StringWriter out = new StringWriter();
            try (JcaPEMWriter w = new JcaPEMWriter(out)) {
                w.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out.toString();
        }

        /** {@code tls.crt}, {@code tls.key} and {@code ca.crt}, as cert-manager writes them. */
        Map<String, String> tlsFields(Issued ca) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("tls.crt", certPem());
            fields.put("tls.key", keyPem());
            fields.put("ca.crt", ca.certPem());
            return fields;
        }

        /** The key's base64 lines and its whole body: any of them in a log is a leak. */
        List<String> keyLines() {
            List<String> out = new ArrayList<>();
            StringBuilder body = new StringBuilder();
            for (String line : keyPem().split("\n")) {
                if (!line.startsWith("-----") && !line.isBlank()) {
                    out.add(line.strip());
                    body.append(line.strip());
                }
            }
            out.add(body.toString());
            return out;
        }
    }

    static Issued ca(String cn, Instant notBefore, Instant notAfter) {
        KeyPair keys = ec();
        return new Issued(sign(cn, keys, cn, keys, notBefore, notAfter, true), keys);
    }

    static Issued leaf(Issued ca, String cn, Instant notBefore, Instant notAfter) {
        KeyPair keys = ec();
        String issuer = ca.certificate.getSubjectX500Principal().getName();
        return new Issued(sign(cn, keys, issuer, ca.keys, notBefore, notAfter, false), keys);
    }

    /** {@code leaf}'s certificate with another key: what a botched write of a renewal looks like. */
    static Issued withOtherKey(Issued leaf) {
        return new Issued(leaf.certificate, ec());
    }

    private static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(
            String cn, KeyPair subject, String issuer, KeyPair issuerKeys, Instant from, Instant to, boolean ca) {
        try {
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    new X500Name(issuer.contains("=") ? issuer : "CN=" + issuer),
                    BigInteger.valueOf(SERIALS.incrementAndGet()),
                    Date.from(from),
                    Date.from(to),
                    new X500Name("CN=" + cn),
                    subject.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")
                }));
            }
            return new JcaX509CertificateConverter()
                    .getCertificate(
                            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(X509Certificate... certs) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (X509Certificate c : certs) {
                w.writeObject(c);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
