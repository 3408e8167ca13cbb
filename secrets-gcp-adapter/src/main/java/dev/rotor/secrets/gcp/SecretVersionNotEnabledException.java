package dev.rotor.secrets.gcp;

import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import java.util.Optional;

/**
 * Google Secret Manager refused to serve a version because it is not enabled ({@code FAILED_PRECONDITION}): an
 * operator disabled it (it can be enabled again) or destroyed it (its data is gone for good). A ref to {@code latest}
 * meets this when the most recently created version is disabled or destroyed: {@code latest} never falls back to an
 * older enabled version. Not retryable; the engine keeps serving the version it holds and looks again at its longest
 * backoff, so a version enabled again is picked up.
 *
 * <pre>{@code
 * try {
 *     secrets.value("gcp-sm:my-project/db");
 * } catch (SecretVersionNotEnabledException e) {
 *     log.warn("{} of {} is {}", e.versionNumber().orElse("the version"), e.ref().orElse(null), e.state());
 * }
 * }</pre>
 */
public class SecretVersionNotEnabledException extends SecretNotFoundException {
    private static final long serialVersionUID = 1L;

    /** The states of a version that is not served. */
    public enum State {
        /** Disabled by an operator; {@code EnableSecretVersion} serves it again. */
        DISABLED,
        /** Destroyed: the data is gone for good. */
        DESTROYED
    }

    private final State state;
    private final String versionNumber;

    public SecretVersionNotEnabledException(
            String message, SecretRef ref, String source, State state, String versionNumber, Throwable cause) {
        super(message, ref, source, cause);
        this.state = java.util.Objects.requireNonNull(state, "state");
        this.versionNumber = versionNumber;
    }

    /** Whether the version is disabled or destroyed. */
    public State state() {
        return state;
    }

    /** The number of the version refused, when the store named it (it does, for {@code latest} too). */
    public Optional<String> versionNumber() {
        return Optional.ofNullable(versionNumber);
    }
}
