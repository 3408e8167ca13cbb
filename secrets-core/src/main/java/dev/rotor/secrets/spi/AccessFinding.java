package dev.rotor.secrets.spi;

import dev.rotor.secrets.SecretRef;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a source found when it checked its own permissions at start ({@link SecretSource#checkAccess}): a capability a
 * declared secret needs and the store does not grant ({@link Kind#MISSING}, a start-up failure), one granted beyond
 * what is needed ({@link Kind#EXCESS}, a warning), a capability only a later step needs ({@link Kind#LIMITED}, a
 * warning), or a check the store would not answer ({@link Kind#UNCHECKED}, a warning). Names the ref, the store's path and the capabilities; never a value or a token. Immutable.
 */
public final class AccessFinding {
    /** How serious the finding is. */
    public enum Kind {
        /** A capability the secret needs is not granted: the client refuses to start. */
        MISSING,
        /** More is granted than the secret needs (a write, a delete, sudo, a root token): a warning. */
        EXCESS,
        /** The store would not say what is granted: a warning; the first read tells. */
        UNCHECKED,
        /**
         * A capability that no read needs but a later step does (revoking a replaced lease, renewing the source's own
         * token) is not granted: a warning; reads work, and that step fails when it comes (the message says what
         * follows).
         */
        LIMITED
    }

    private final Kind kind;
    private final SecretRef ref;
    private final String path;
    private final List<String> needed;
    private final List<String> granted;
    private final String message;

    private AccessFinding(
            Kind kind, SecretRef ref, String path, List<String> needed, List<String> granted, String message) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.ref = ref;
        this.path = path;
        this.needed = List.copyOf(needed);
        this.granted = List.copyOf(granted);
        this.message = Objects.requireNonNull(message, "message");
    }

    /**
     * A finding.
     *
     * @param ref the secret concerned, or null for one about the source as a whole (a root token)
     * @param path the store's path checked, or null
     * @param message what was found, in words, without a value or a token
     */
    public static AccessFinding of(
            Kind kind, SecretRef ref, String path, List<String> needed, List<String> granted, String message) {
        return new AccessFinding(kind, ref, path, needed, granted, message);
    }

    public Kind kind() {
        return kind;
    }

    public Optional<SecretRef> ref() {
        return Optional.ofNullable(ref);
    }

    /** The store's path checked ({@code secret/data/app/db} for a KV v2 ref). */
    public Optional<String> path() {
        return Optional.ofNullable(path);
    }

    /** The capabilities the secret needs there. */
    public List<String> needed() {
        return needed;
    }

    /** The capabilities the store grants there. */
    public List<String> granted() {
        return granted;
    }

    public String message() {
        return message;
    }

    @Override
    public String toString() {
        return kind + " " + message + (ref == null ? "" : " [ref=" + ref + "]")
                + (path == null ? "" : " path=" + path + " needed=" + needed + " granted=" + granted);
    }
}
