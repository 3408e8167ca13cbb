package dev.rotor.secrets;

/**
 * The client's own allow-list refused a ref ({@link Secrets.Builder#allowRefs(String...)}): the read was stopped
 * locally, before any call to the store. Not retryable: only a change of the allow-list lets the ref through.
 *
 * <p>It is an {@link SecretAccessDeniedException}, so code that already handles a denial by the store (do not retry,
 * alert) handles this one the same way; code that wants to tell the two apart catches this type first. The message
 * names the ref and the source that would have served it, never a value.
 */
public class SecretPolicyException extends SecretAccessDeniedException {
    private static final long serialVersionUID = 1L;

    public SecretPolicyException(String message, SecretRef ref, String source) {
        super(message, ref, source);
    }
}
