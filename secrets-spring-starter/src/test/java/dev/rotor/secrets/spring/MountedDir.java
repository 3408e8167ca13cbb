package dev.rotor.secrets.spring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A directory laid out the way the kubelet mounts a Kubernetes Secret: a generation directory with the files,
 * {@code ..data} pointing at it, and one symlink per key; {@link #update(Map)} swaps {@code ..data} atomically.
 */
final class MountedDir {
    private final Path dir;
    private int generation;

    MountedDir(Path dir, Map<String, String> files) {
        this.dir = dir;
        update(files);
    }

    Path dir() {
        return dir;
    }

    void update(Map<String, String> files) {
        try {
            generation++;
            Path next = Files.createDirectories(dir.resolve("..gen_" + generation));
            for (Map.Entry<String, String> e : files.entrySet()) {
                Files.writeString(next.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
