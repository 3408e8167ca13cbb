package dev.rotor.secrets.gcp.internal;

/**
 * The cause Rotor keeps of a failed call: the gRPC status code alone, with the stack of the client's exception. The
 * store's description (which a server or a proxy in front of it may fill with anything, the request included) is
 * never kept. Immutable.
 *
 * <pre>{@code
 * throw new SourceUnavailableException(what, ref, source, StatusOnly.of("UNAVAILABLE", clientException));
 * }</pre>
 */
public final class StatusOnly extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    private StatusOnly(String code) {
        super("gRPC status " + code + " (the store's description withheld by Rotor)", null, false, true);
        this.code = code;
    }

    /** The code of {@code original}, with its stack trace and none of its message or causes. */
    public static StatusOnly of(String code, Throwable original) {
        StatusOnly s = new StatusOnly(code);
        if (original != null) {
            s.setStackTrace(original.getStackTrace());
        }
        return s;
    }

    /** The gRPC status code, such as {@code RESOURCE_EXHAUSTED}. */
    public String code() {
        return code;
    }
}
