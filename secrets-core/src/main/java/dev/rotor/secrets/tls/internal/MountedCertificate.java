package dev.rotor.secrets.tls.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SourceUnavailableException;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * What the file source's {@code format=tls} adds to a consistent read of a certificate directory (or PEM file): the
 * leaf's validity as the version's lease, a hint to be polled again for a replacement, and one refusal of its own: a
 * certificate whose key does not match is taken for files replaced one by one, not atomically (a new {@code tls.crt}
 * next to the old {@code tls.key}), and is reported as a retryable {@link SourceUnavailableException}, so the engine
 * keeps the version it has and reads again shortly. Every other check is left to the validators and consumers.
 */
public final class MountedCertificate {
    private MountedCertificate() {}

    /**
     * {@code read} with its validity lease and {@code checkAgainAt} (may be null); {@code read} is wiped.
     *
     * @throws SecretFormatException when the certificate does not parse
     * @throws SourceUnavailableException when the key is not the certificate's (a write in progress)
     */
    public static Secret withValidity(Secret read, String sourceName, Instant checkAgainAt) {
        try {
            X509Certificate leaf;
            try {
                leaf = Material.leafOf(read);
            } catch (Invalid e) {
                throw new SecretFormatException(e.reason(), read.ref(), sourceName);
            }
            try {
                Material.read(read, null);
            } catch (Invalid e) {
                if (e.reason().startsWith(Material.KEY_MISMATCH)) {
                    throw new SourceUnavailableException(
                            "the private key does not match the certificate; the files are probably being replaced"
                                    + " one by one, try again later",
                            read.ref(),
                            sourceName);
                }
                // anything else (an encrypted key, a broken chain, a bad key) is for the validators to judge
            }
            Secret.Builder b = read.newBuilder().lease(Certificates.validityLease(leaf));
            if (checkAgainAt != null) {
                b.checkAgainAt(checkAgainAt);
            }
            return b.build();
        } finally {
            read.wipe();
        }
    }
}
