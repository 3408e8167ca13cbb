package dev.rotor.secrets.jdbc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Credentials published the way the kubelet mounts a Kubernetes Secret: {@code ..gen-N/} holds one file per field,
 * {@code ..data} points at it, and each field is a top-level symlink into {@code ..data}. {@link #publish(Map)} writes
 * a new generation, swaps {@code ..data} with one atomic rename, then deletes the old generation.
 */
final class MountedCredentials {
    private final Path dir;
    private int generation;

    MountedCredentials(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    synchronized void publish(Map<String, String> files) {
        try {
            Path old = generation == 0 ? null : dir.resolve("..gen-" + generation);
            generation++;
            Path next = Files.createDirectories(dir.resolve("..gen-" + generation));
            for (Map.Entry<String, String> e : files.entrySet()) {
                Files.write(next.resolve(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            Path tmp = dir.resolve("..data_tmp");
            Files.createSymbolicLink(tmp, next.getFileName());
            Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            for (String key : files.keySet()) {
                Path link = dir.resolve(key);
                if (!Files.isSymbolicLink(link)) {
                    Files.createSymbolicLink(link, Path.of("..data", key));
                }
            }
            if (old != null) {
                deleteRecursively(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
