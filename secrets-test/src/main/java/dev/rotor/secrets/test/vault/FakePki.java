package dev.rotor.secrets.test.vault;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * Mints the fake PKI engine's certificates with the JDK alone: a small DER writer for the X.509 v3 structure, EC P-256
 * keys and ECDSA with SHA-256 signatures. No third-party library, so users of the test kit need none. Stateless and
 * thread-safe.
 */
final class FakePki {
    private static final byte[] ECDSA_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);
    private static final byte[] BASIC_CONSTRAINTS = oid(2, 5, 29, 19);
    private static final byte[] KEY_USAGE = oid(2, 5, 29, 15);
    private static final byte[] EXT_KEY_USAGE = oid(2, 5, 29, 37);
    private static final byte[] SUBJECT_ALT_NAME = oid(2, 5, 29, 17);
    private static final byte[] SERVER_AUTH = oid(1, 3, 6, 1, 5, 5, 7, 3, 1);
    private static final byte[] CLIENT_AUTH = oid(1, 3, 6, 1, 5, 5, 7, 3, 2);
    private static final DateTimeFormatter UTC_TIME =
            DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GENERALIZED_TIME =
            DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

    private FakePki() {}

    /** A certificate and the key pair it certifies. */
    static final class Issued {
        final X509Certificate certificate;
        final KeyPair keys;

        Issued(X509Certificate certificate, KeyPair keys) {
            this.certificate = certificate;
            this.keys = keys;
        }

        @Override
        public String toString() {
            return "Issued{" + certificate.getSubjectX500Principal() + ", key=****}";
        }
    }

    static KeyPair ecKeys(SecureRandom random) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is required on every Java platform", e);
        }
    }

    /** A self-signed root CA. */
    static Issued root(String commonName, Instant notBefore, Instant notAfter, SecureRandom random) {
        KeyPair keys = ecKeys(random);
        X500Principal name = new X500Principal("CN=" + commonName);
        X509Certificate c = sign(
                name,
                name,
                keys.getPublic(),
                keys.getPrivate(),
                serial(random),
                notBefore,
                notAfter,
                true,
                List.of(),
                List.of());
        return new Issued(c, keys);
    }

    /** A leaf for TLS servers and clients, issued by {@code ca}, naming {@code dnsNames} and {@code ips}. */
    static Issued leaf(
            Issued ca,
            String commonName,
            List<String> dnsNames,
            List<InetAddress> ips,
            BigInteger serial,
            Instant notBefore,
            Instant notAfter,
            SecureRandom random) {
        KeyPair keys = ecKeys(random);
        X509Certificate c = sign(
                new X500Principal(commonName.isEmpty() ? "" : "CN=" + commonName),
                ca.certificate.getSubjectX500Principal(),
                keys.getPublic(),
                ca.keys.getPrivate(),
                serial,
                notBefore,
                notAfter,
                false,
                dnsNames,
                ips);
        return new Issued(c, keys);
    }

    /** A positive 20-byte serial number, as Vault makes them. */
    static BigInteger serial(SecureRandom random) {
        byte[] b = new byte[20];
        random.nextBytes(b);
        b[0] &= 0x7f;
        b[0] |= 0x01; // twenty bytes, never a shorter number
        return new BigInteger(1, b);
    }

    /** The serial number as Vault writes it: the bytes in lower-case hex, joined by colons. */
    static String vaultSerial(BigInteger serial) {
        byte[] b = serial.toByteArray();
        int start = b.length > 1 && b[0] == 0 ? 1 : 0;
        StringBuilder sb = new StringBuilder();
        for (int i = start; i < b.length; i++) {
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append(Character.forDigit(b[i] & 0xf, 16));
        }
        return sb.toString();
    }

    static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----";
    }

    static String certificatePem(X509Certificate c) {
        try {
            return pem("CERTIFICATE", c.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("certificate could not be encoded", e);
        }
    }

    /**
     * The SEC1 form ({@code ECPrivateKey { 1, OCTET STRING, [0] namedCurve }}, OpenSSL's {@code BEGIN EC PRIVATE KEY})
     * of a P-256 key given in PKCS#8, as Vault answers EC keys unless asked for PKCS#8.
     */
    static byte[] sec1(byte[] pkcs8) {
        // PrivateKeyInfo { INTEGER 0, AlgorithmIdentifier, OCTET STRING { ECPrivateKey { INTEGER 1, OCTET STRING d ...
        int[] at = {0};
        byte[] info = read(pkcs8, at, 0x30);
        at[0] = 0;
        read(info, at, 0x02);
        read(info, at, 0x30);
        byte[] inner = read(info, at, 0x04);
        at[0] = 0;
        byte[] ecKey = read(inner, at, 0x30);
        at[0] = 0;
        read(ecKey, at, 0x02);
        byte[] d = read(ecKey, at, 0x04);
        return seq(tlv(0x02, new byte[] {1}), tlv(0x04, d), tlv(0xa0, P256));
    }

    private static final byte[] P256 = oid(1, 2, 840, 10045, 3, 1, 7);

    /** Reads one TLV of {@code tag} at {@code at[0]}, moving past it; answers its value. */
    private static byte[] read(byte[] der, int[] at, int tag) {
        int i = at[0];
        if ((der[i] & 0xff) != tag) {
            throw new IllegalStateException("unexpected DER tag " + (der[i] & 0xff) + ", expected " + tag);
        }
        i++;
        int len = der[i++] & 0xff;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int k = 0; k < n; k++) {
                len = (len << 8) | (der[i++] & 0xff);
            }
        }
        byte[] v = java.util.Arrays.copyOfRange(der, i, i + len);
        at[0] = i + len;
        return v;
    }

    // ---- X.509 ----

    private static X509Certificate sign(
            X500Principal subject,
            X500Principal issuer,
            PublicKey publicKey,
            PrivateKey issuerKey,
            BigInteger serial,
            Instant notBefore,
            Instant notAfter,
            boolean ca,
            List<String> dnsNames,
            List<InetAddress> ips) {
        byte[] algorithm = seq(ECDSA_SHA256);
        List<byte[]> extensions = new ArrayList<>();
        extensions.add(extension(BASIC_CONSTRAINTS, true, ca ? seq(tlv(0x01, new byte[] {(byte) 0xff})) : seq()));
        // keyUsage: keyCertSign and cRLSign for a CA (bits 5, 6), digitalSignature and keyAgreement for an EC leaf
        // (bits 0, 4)
        extensions.add(extension(
                KEY_USAGE, true, ca ? tlv(0x03, new byte[] {1, (byte) 0x06}) : tlv(0x03, new byte[] {3, (byte) 0x88})));
        if (!ca) {
            extensions.add(extension(EXT_KEY_USAGE, false, seq(SERVER_AUTH, CLIENT_AUTH)));
            List<byte[]> names = new ArrayList<>();
            dnsNames.forEach(d -> names.add(tlv(0x82, d.getBytes(StandardCharsets.US_ASCII))));
            ips.forEach(ip -> names.add(tlv(0x87, ip.getAddress())));
            if (!names.isEmpty()) {
                extensions.add(extension(SUBJECT_ALT_NAME, false, seq(names.toArray(new byte[0][]))));
            }
        }
        byte[] tbs = seq(
                tlv(0xa0, tlv(0x02, BigInteger.TWO.toByteArray())),
                tlv(0x02, serial.toByteArray()),
                algorithm,
                issuer.getEncoded(),
                seq(time(notBefore), time(notAfter)),
                subject.getEncoded(),
                publicKey.getEncoded(),
                tlv(0xa3, seq(extensions.toArray(new byte[0][]))));
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(issuerKey);
            s.update(tbs);
            byte[] sig = s.sign();
            byte[] bits = new byte[sig.length + 1];
            System.arraycopy(sig, 0, bits, 1, sig.length);
            byte[] der = seq(tbs, algorithm, tlv(0x03, bits));
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the fake PKI could not sign a certificate", e);
        }
    }

    private static byte[] extension(byte[] oid, boolean critical, byte[] value) {
        return critical ? seq(oid, tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, value)) : seq(oid, tlv(0x04, value));
    }

    private static byte[] time(Instant t) {
        int year = t.atZone(ZoneOffset.UTC).getYear();
        return year >= 1950 && year < 2050
                ? tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII))
                : tlv(0x18, GENERALIZED_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    // ---- DER ----

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int v = arcs[i];
            int n = 0;
            byte[] tmp = new byte[5];
            do {
                tmp[n++] = (byte) (v & 0x7f);
                v >>>= 7;
            } while (v != 0);
            for (int j = n - 1; j >= 0; j--) {
                out.write(j == 0 ? tmp[j] : tmp[j] | 0x80);
            }
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] seq(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return tlv(0x30, out.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }
}
