package dev.rotor.secrets.tls.internal;

import dev.rotor.secrets.Lease;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * X.509 certificates from PEM blocks, and the checks a version must pass before it is served: every certificate in
 * its validity window, each certificate of a chain signed by the next. Certificates are public: messages may name a
 * certificate's subject, serial number and dates. Stateless and thread-safe.
 */
public final class Certificates {
    public static final String LABEL = "CERTIFICATE";

    private Certificates() {}

    /** The certificates among {@code blocks}, in order; any other block is an error. */
    public static List<X509Certificate> read(List<Pem.Block> blocks, String what) throws Invalid {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory factory;
        try {
            factory = CertificateFactory.getInstance("X.509");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X.509 is required on every Java platform", e);
        }
        int n = 0;
        for (Pem.Block b : blocks) {
            n++;
            if (!b.label().equals(LABEL)) {
                throw Invalid.malformed(what + ": PEM block " + n + " is a '" + b.label() + "', not a CERTIFICATE");
            }
            try {
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw Invalid.malformed(what + ": PEM block " + n + " is not a valid X.509 certificate ("
                        + e.getClass().getSimpleName() + ")");
            }
        }
        return out;
    }

    /**
     * Checks that each certificate of {@code chain} (leaf first) is issued and signed by the next one: {@code "chain
     * breaks between certificate 1 and 2"} names the pair, counting from 1 at the leaf.
     */
    public static void checkChain(List<X509Certificate> chain) throws Invalid {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate cert = chain.get(i);
            X509Certificate issuer = chain.get(i + 1);
            String pair = "chain breaks between certificate " + (i + 1) + " and " + (i + 2) + ": certificate " + (i + 1)
                    + " (" + subject(cert) + ")";
            if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                throw Invalid.refused(pair + " names issuer " + name(cert.getIssuerX500Principal()) + ", certificate "
                        + (i + 2) + " is " + subject(issuer));
            }
            try {
                cert.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException | RuntimeException e) {
                throw Invalid.refused(
                        pair + " is not signed by the key of certificate " + (i + 2) + " (" + subject(issuer) + ")");
            }
        }
    }

    /**
     * Checks that every certificate in {@code certs} is within its validity window at {@code now}: {@code "certificate
     * 1 (CN=api, serial 1f) expired at 2026-03-01T00:00:00Z"}, {@code "... is not valid before ..."}.
     *
     * @param what how the message names the certificates ({@code "certificate"}, {@code "CA certificate"})
     */
    public static void checkValidAt(List<X509Certificate> certs, Instant now, String what) throws Invalid {
        for (int i = 0; i < certs.size(); i++) {
            X509Certificate c = certs.get(i);
            Instant notAfter = c.getNotAfter().toInstant();
            Instant notBefore = c.getNotBefore().toInstant();
            String name = what + " " + (i + 1) + " (" + subject(c) + ", serial " + serial(c) + ")";
            if (now.isAfter(notAfter)) {
                throw Invalid.refused(name + " expired at " + notAfter);
            }
            if (now.isBefore(notBefore)) {
                throw Invalid.refused(name + " is not valid before " + notBefore);
            }
        }
    }

    /**
     * The lease a certificate's validity makes: issued at its {@code notBefore}, ending at its {@code notAfter}, not
     * renewable. The engine refreshes it at two thirds of the validity (less jitter) and stops serving it at the end.
     */
    public static Lease validityLease(X509Certificate leaf) {
        Instant notBefore = leaf.getNotBefore().toInstant();
        Instant notAfter = leaf.getNotAfter().toInstant();
        Duration validity = Duration.between(notBefore, notAfter);
        if (validity.isZero() || validity.isNegative()) {
            validity = Duration.ofSeconds(1); // a certificate that is never valid; the checks refuse it anyway
        }
        return Lease.builder(validity, notBefore).build();
    }

    /** Whether {@code c} is self-issued and self-signed (a root). */
    public static boolean selfSigned(X509Certificate c) {
        if (!c.getIssuerX500Principal().equals(c.getSubjectX500Principal())) {
            return false;
        }
        try {
            c.verify(c.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    public static String subject(X509Certificate c) {
        return name(c.getSubjectX500Principal());
    }

    public static String serial(X509Certificate c) {
        return c.getSerialNumber().toString(16);
    }

    private static String name(X500Principal p) {
        String n = p.getName(X500Principal.RFC2253);
        return n.isEmpty() ? "(empty subject)" : n;
    }
}
