package dev.rotor.secrets.azure.internal;

/**
 * A Key Vault error answer as {@link AnswerPolicy} read it: the HTTP status, Key Vault's error code ({@code
 * Forbidden}, {@code SecretNotFound}, {@code Throttled}, ...), the inner error code ({@code SecretDisabled}, {@code
 * AccessDenied}, {@code ForbiddenByRbac}, ...) and the {@code Retry-After} header. It never holds the service's message
 * or the body, so it may be logged and kept as a cause.
 *
 * <pre>{@code
 * throw KeyVaultErrors.map(new KeyVaultFailure(429, "Throttled", null, "7"), "GetSecret", ref, name, now);
 * }</pre>
 */
public final class KeyVaultFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final String innerCode;
    private final String retryAfter;

    public KeyVaultFailure(int status, String code, String innerCode, String retryAfter) {
        super(
                "Key Vault answered HTTP " + status + (code == null ? "" : " " + code)
                        + (innerCode == null ? "" : " (" + innerCode + ")"),
                null,
                false,
                false);
        this.status = status;
        this.code = code;
        this.innerCode = innerCode;
        this.retryAfter = retryAfter;
    }

    public int status() {
        return status;
    }

    /** Key Vault's error code, or null. */
    public String code() {
        return code;
    }

    /** Key Vault's inner error code, or null. */
    public String innerCode() {
        return innerCode;
    }

    /** The {@code Retry-After} header as sent, or null. */
    public String retryAfter() {
        return retryAfter;
    }
}
