package dev.rotor.secrets.tls.internal;

/**
 * Why certificate material cannot be used, in words for a person: {@code "certificate 1 (CN=api) expired at
 * 2026-03-01T00:00:00Z"}, {@code "private key does not match the leaf certificate"}. Never a key's bytes, a password or
 * PEM text. Thrown by the parsers and checks of this package and turned into Rotor's public exceptions at the API's
 * edge: {@link #malformed()} ones into a {@code SecretFormatException}, the others into a {@code
 * SecretRejectedException}. No stack trace: it is always caught and translated.
 */
public final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean malformed;

    private Invalid(String reason, boolean malformed) {
        super(reason, null, false, false);
        this.malformed = malformed;
    }

    /** The content does not parse: bad PEM, bad DER, a missing field, a key that cannot be decrypted. */
    public static Invalid malformed(String reason) {
        return new Invalid(reason, true);
    }

    /** The content parses but must not be used: out of its validity window, a key of another certificate, a chain that breaks. */
    public static Invalid refused(String reason) {
        return new Invalid(reason, false);
    }

    /** Whether the content did not parse (else it parsed and was refused). */
    public boolean malformed() {
        return malformed;
    }

    /** The reason, without any ref or source. */
    public String reason() {
        return getMessage();
    }
}
