package dev.rotor.secrets.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Mints CAs and certificates for the certificate tests, and writes them as PEM in every form Rotor reads: PKCS#8,
 * encrypted PKCS#8, PKCS#1 RSA and SEC1 EC (with its curve, as OpenSSL writes it). Leaf certificates name 127.0.0.1
 * and localhost, for server and client authentication. Serial numbers are unique per JVM.
 */
final class TestPki {
    private static final AtomicLong SERIALS = new AtomicLong(0x1000);
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private TestPki() {}

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

        /** {@code BEGIN PRIVATE KEY}. */
        String pkcs8() {
            try {
                return write(new JcaPKCS8Generator(keys.getPrivate(), null));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** {@code BEGIN RSA PRIVATE KEY} or {@code BEGIN EC PRIVATE KEY}, as OpenSSL writes them. */
        String traditional() {
            return traditionalPem(keys);
        }

        /** {@code BEGIN ENCRYPTED PRIVATE KEY}: PBES2, PBKDF2 with HMAC-SHA256, AES-256-CBC. */
        String encrypted(char[] password) {
            try {
                JceOpenSSLPKCS8EncryptorBuilder b = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                        .setProvider(BC)
                        .setPRF(PKCS8Generator.PRF_HMACSHA256)
                        .setIterationCount(2048);
                b.setPassword(password);
                return write(new JcaPKCS8Generator(keys.getPrivate(), b.build()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** The fields of a Kubernetes TLS secret (cert-manager): {@code tls.crt}, {@code tls.key}, {@code ca.crt}. */
        Map<String, String> kubernetes(Issued ca) {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("tls.crt", certPem());
            fields.put("tls.key", pkcs8());
            if (ca != null) {
                fields.put("ca.crt", ca.certPem());
            }
            return fields;
        }
    }

    static KeyPair ec() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA with an EC key. */
    static Issued ca(String cn, Instant notBefore, Instant notAfter) {
        KeyPair keys = ec();
        return new Issued(sign(cn, keys.getPublic(), cn, keys.getPrivate(), null, notBefore, notAfter, true), keys);
    }

    /** An intermediate CA issued by {@code issuer}. */
    static Issued intermediate(Issued issuer, String cn, Instant notBefore, Instant notAfter) {
        KeyPair keys = ec();
        return new Issued(
                sign(
                        cn,
                        keys.getPublic(),
                        subject(issuer),
                        issuer.keys.getPrivate(),
                        issuer.certificate,
                        notBefore,
                        notAfter,
                        true),
                keys);
    }

    /** A leaf for 127.0.0.1 and localhost issued by {@code issuer}, with an EC key. */
    static Issued leaf(Issued issuer, String cn, Instant notBefore, Instant notAfter) {
        return leaf(issuer, cn, ec(), notBefore, notAfter);
    }

    static Issued leaf(Issued issuer, String cn, KeyPair keys, Instant notBefore, Instant notAfter) {
        return new Issued(
                sign(
                        cn,
                        keys.getPublic(),
                        subject(issuer),
                        issuer.keys.getPrivate(),
                        issuer.certificate,
                        notBefore,
                        notAfter,
                        false),
                keys);
    }

    private static String subject(Issued issuer) {
        return issuer.certificate.getSubjectX500Principal().getName();
    }

    private static X509Certificate sign(
            String cn,
            java.security.PublicKey key,
            String issuerName,
            PrivateKey issuerKey,
            X509Certificate issuerCert,
            Instant notBefore,
            Instant notAfter,
            boolean ca) {
        try {
            X500Name subject = new X500Name(cn.contains("=") ? cn : "CN=" + cn);
            X500Name issuer = new X500Name(issuerName.contains("=") ? issuerName : "CN=" + issuerName);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    issuer,
                    BigInteger.valueOf(SERIALS.incrementAndGet()),
                    Date.from(notBefore),
                    Date.from(notAfter),
                    subject,
                    key);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
            if (issuerCert != null) {
                b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerCert));
            }
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                int usage = key.getAlgorithm().equals("RSA")
                        ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                        : KeyUsage.digitalSignature;
                b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                    KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                }));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                    new GeneralName(GeneralName.dNSName, "localhost")
                }));
            }
            String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
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

    private static String write(Object o) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            if (o instanceof JcaPKCS8Generator) {
                w.writeObject(((JcaPKCS8Generator) o).generate());
            } else {
                w.writeObject((PemObject) o);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    private static String traditionalPem(KeyPair keys) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
            if (keys.getPrivate().getAlgorithm().equals("RSA")) {
                return write(new PemObject(
                        "RSA PRIVATE KEY",
                        info.parsePrivateKey().toASN1Primitive().getEncoded()));
            }
            ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
            org.bouncycastle.asn1.sec.ECPrivateKey inner =
                    org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
            byte[] point = SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded())
                    .getPublicKeyData()
                    .getBytes();
            org.bouncycastle.asn1.sec.ECPrivateKey sec1 =
                    new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(), new DERBitString(point), curve);
            return write(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
