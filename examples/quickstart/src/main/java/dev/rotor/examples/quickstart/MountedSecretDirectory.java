package dev.rotor.examples.quickstart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A directory laid out the way the kubelet mounts a Kubernetes Secret, and rotated the way the kubelet rotates it:
 * the files of each generation live in a hidden timestamped directory, {@code ..data} points at the current one, and
 * each key is a symlink {@code key -> ..data/key}. A rotation writes the next generation completely, then swaps
 * {@code ..data} with one atomic rename, so a reader sees either all old or all new files. Not thread-safe.
 */
final class MountedSecretDirectory {
    private final Path dir;
    private Path current;
    private int generation;

    MountedSecretDirectory(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Writes {@code files} as the next generation and swaps it in; answers {@link System#nanoTime()} at the swap. */
    long rotate(Map<String, String> files) throws IOException {
        generation++;
        Path next = Files.createDirectory(dir.resolve(String.format("..2026_01_01_%06d", generation)));
        for (Map.Entry<String, String> e : files.entrySet()) {
            Files.write(next.resolve(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8));
        }
        Path link = dir.resolve("..data_tmp");
        Files.createSymbolicLink(link, next.getFileName());
        Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        long swappedAt = System.nanoTime();
        for (String key : files.keySet()) {
            Path top = dir.resolve(key);
            if (!Files.isSymbolicLink(top)) {
                Files.createSymbolicLink(top, Path.of("..data", key));
            }
        }
        Path previous = current;
        current = next;
        if (previous != null) {
            deleteRecursively(previous);
        }
        return swappedAt;
    }

    /** Removes the whole directory. */
    void delete() throws IOException {
        deleteRecursively(dir);
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
