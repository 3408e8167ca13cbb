package dev.rotor.secrets.spi;

import dev.rotor.secrets.SecretRef;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine asks a {@link SecretSource} for: the secret (its ref without a field), why, and the version it
 * holds now, if any. Immutable.
 */
public final class FetchRequest {
    private final SecretRef ref;
    private final FetchReason reason;
    private final String currentVersion;

    private FetchRequest(SecretRef ref, FetchReason reason, String currentVersion) {
        this.ref = Objects.requireNonNull(ref, "ref").withoutField();
        this.reason = Objects.requireNonNull(reason, "reason");
        this.currentVersion = currentVersion;
    }

    public static FetchRequest of(SecretRef ref, FetchReason reason) {
        return new FetchRequest(ref, reason, null);
    }

    public static FetchRequest of(SecretRef ref, FetchReason reason, String currentVersion) {
        return new FetchRequest(ref, reason, currentVersion);
    }

    public SecretRef ref() {
        return ref;
    }

    public FetchReason reason() {
        return reason;
    }

    /** The version the engine serves now; empty on a first load. */
    public Optional<String> currentVersion() {
        return Optional.ofNullable(currentVersion);
    }

    @Override
    public String toString() {
        return "FetchRequest{ref=" + ref + ", reason=" + reason
                + (currentVersion == null ? "" : ", currentVersion=" + currentVersion) + "}";
    }
}
