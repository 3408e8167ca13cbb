package dev.rotor.secrets.tls.internal;

import dev.rotor.secrets.Secret;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.StringJoiner;

/** Trusted CA certificates from a secret, and whether a set of them can be used. Stateless and thread-safe. */
public final class Trust {
    private Trust() {}

    /** The CA certificates of {@code secret} (see {@link Material#authorities}); at least one. */
    public static List<X509Certificate> read(Secret secret) throws Invalid {
        List<X509Certificate> cas = Material.authorities(secret);
        if (cas.isEmpty()) {
            throw Invalid.malformed("no CA certificate: expected one of the fields " + Material.CA_FIELDS
                    + " or a raw PEM value, the secret has " + secret.fieldNames());
        }
        return List.copyOf(cas);
    }

    /** Refuses a set in which no certificate is within its validity window at {@code now}. */
    public static void checkUsable(List<X509Certificate> cas, Instant now) throws Invalid {
        Instant lastEnd = null;
        for (X509Certificate c : cas) {
            Instant end = c.getNotAfter().toInstant();
            if (!now.isAfter(end) && !now.isBefore(c.getNotBefore().toInstant())) {
                return;
            }
            lastEnd = lastEnd == null || end.isAfter(lastEnd) ? end : lastEnd;
        }
        throw Invalid.refused("no CA certificate of the " + cas.size() + " is valid now"
                + (lastEnd != null && now.isAfter(lastEnd) ? " (the last one expired at " + lastEnd + ")" : ""));
    }

    public static String describe(List<X509Certificate> cas) {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        for (X509Certificate c : cas) {
            j.add(Certificates.subject(c) + " (serial " + Certificates.serial(c) + ", notAfter "
                    + c.getNotAfter().toInstant() + ")");
        }
        return j.toString();
    }
}
