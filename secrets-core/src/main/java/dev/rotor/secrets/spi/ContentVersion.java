package dev.rotor.secrets.spi;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A version id for a source whose store has none (a file, an environment variable): a counter that goes up by one
 * each time the content's SHA-256 digest changes. The id is {@code "1"}, {@code "2"}, ...; it never derives from the
 * value, so it leaks nothing about it. One instance per secret; thread-safe (a source that reads and counts under the
 * instance's lock gets version ids in the order of its reads).
 *
 * <pre>{@code
 * String version = versions.computeIfAbsent(path, p -> new ContentVersion()).versionOf(bytes);
 * }</pre>
 */
public final class ContentVersion {
    private long version;
    private byte[] digest;

    /** The version id of {@code content}: the current one if the content is unchanged, else the next one. */
    public String versionOf(byte[] content) {
        return versionOfDigest(sha256(content));
    }

    /** As {@link #versionOf(byte[])}, for a source that already holds a digest of the content (of several files). */
    public synchronized String versionOfDigest(byte[] d) {
        if (digest == null || !MessageDigest.isEqual(digest, d)) {
            digest = d;
            version++;
        }
        return VersionIds.of(version);
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }

    @Override
    public synchronized String toString() {
        return "ContentVersion{" + version + "}";
    }
}
