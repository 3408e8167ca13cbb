package dev.rotor.secrets.file;

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
 * A directory laid out the way the kubelet mounts a Kubernetes Secret: {@code ..2026_01_01_vN/} holds the files,
 * {@code ..data} points at it, and each key is a top-level symlink {@code key -> ..data/key}. {@link #update(Map)}
 * writes a new generation and swaps {@code ..data} with one atomic rename, then deletes the old generation.
 */
final class MountedSecret {
    private final Path dir;
    private int generation;

    private MountedSecret(Path dir) {
        this.dir = dir;
    }

    static MountedSecret create(Path dir, Map<String, String> files) {
        MountedSecret m = new MountedSecret(dir);
        m.update(files);
        return m;
    }

    Path dir() {
        return dir;
    }

    Path generationDir() {
        return dir.resolve("..2026_01_01_v" + generation);
    }

    void update(Map<String, String> files) {
        try {
            Path old = generation == 0 ? null : generationDir();
            generation++;
            Path next = Files.createDirectories(generationDir());
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

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
