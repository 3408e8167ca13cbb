package dev.rotor.secrets.file;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;

/**
 * The bytes of one consistent read: one file's content, or a directory's files by name (in name order). Held only
 * for the duration of a fetch or a probe, then {@linkplain #wipe() wiped}. Not thread-safe; never printed.
 */
final class FileContent {
    private final byte[] file;
    private final Map<String, byte[]> files;

    private FileContent(byte[] file, Map<String, byte[]> files) {
        this.file = file;
        this.files = files;
    }

    static FileContent ofFile(byte[] bytes) {
        return new FileContent(bytes, null);
    }

    /** A directory's files; the map must be ordered by name. */
    static FileContent ofDirectory(Map<String, byte[]> files) {
        return new FileContent(null, Collections.unmodifiableMap(files));
    }

    boolean isDirectory() {
        return files != null;
    }

    byte[] file() {
        return file;
    }

    Map<String, byte[]> files() {
        return files;
    }

    /**
     * SHA-256 over the content, for change detection only: it never leaves the source. A directory's names and
     * lengths are part of the digest, so that moving bytes from one file to another is a change.
     */
    byte[] digest() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
        if (file != null) {
            sha.update((byte) 'F');
            sha.update(file);
        } else {
            sha.update((byte) 'D');
            ByteBuffer header = ByteBuffer.allocate(Integer.BYTES * 2);
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                header.clear();
                header.putInt(name.length).putInt(e.getValue().length);
                sha.update(header.array());
                sha.update(name);
                sha.update(e.getValue());
            }
        }
        return sha.digest();
    }

    /** Overwrites every byte with zeros. Idempotent. */
    void wipe() {
        if (file != null) {
            Arrays.fill(file, (byte) 0);
        }
        if (files != null) {
            files.values().forEach(v -> Arrays.fill(v, (byte) 0));
        }
    }

    @Override
    public String toString() {
        return isDirectory() ? "FileContent{files=" + files.keySet() + " (values hidden)}" : "FileContent{****}";
    }
}
