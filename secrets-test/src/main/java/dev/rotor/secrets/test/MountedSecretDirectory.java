package dev.rotor.secrets.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A directory laid out the way the kubelet mounts a Kubernetes Secret, for testing code that reads mounted secrets
 * (such as {@code file:} refs).
 *
 * <p>Each {@link #write(Map) write} is one new version of the secret: one file per field in a new timestamped data
 * directory {@code ..<stamp>/}, then the {@code ..data} link is pointed at it with one atomic rename (a new link
 * {@code ..data_tmp} renamed over {@code ..data}), then the visible files are links {@code field -> ..data/field},
 * and finally the previous data directory is deleted. A reader that goes through {@code ..data} therefore sees
 * either the old version or the new one, never a mix. Links of fields that a later version drops are removed, as the
 * kubelet does.
 *
 * <pre>{@code
 * MountedSecretDirectory mount = MountedSecretDirectory.in(tmp);
 * mount.write(Map.of("username", "app", "password", "pw-1"));
 * Secrets secrets = Secrets.builder().build();
 * secrets.value("file:" + tmp + "#password");                  // "pw-1"
 * mount.write(Map.of("username", "app", "password", "pw-2"));  // the atomic swap a rotation makes
 * }</pre>
 *
 * <p>Thread-safe: writes are serialized. Needs a file system with symbolic links (Linux, macOS; Windows only with
 * the right to create them).
 */
public final class MountedSecretDirectory {
    private static final String DATA_LINK = "..data";
    private static final String DATA_LINK_TMP = "..data_tmp";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss");

    private final Path dir;
    private final Clock clock;
    private int generation;
    private Path current;

    private MountedSecretDirectory(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /**
     * A mount in {@code dir} (created if missing), stamping data directories with the system clock in UTC. Nothing is
     * written until the first {@link #write(Map)}.
     */
    public static MountedSecretDirectory in(Path dir) {
        return in(dir, Clock.systemUTC());
    }

    /** A mount in {@code dir} (created if missing) whose data directories are stamped with {@code clock}'s time. */
    public static MountedSecretDirectory in(Path dir, Clock clock) {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(clock, "clock");
        try {
            return new MountedSecretDirectory(Files.createDirectories(dir), clock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mount directory: the path a {@code file:} ref names. */
    public Path dir() {
        return dir;
    }

    /** The data directory {@code ..data} points at now; empty before the first write. */
    public synchronized Optional<Path> dataDir() {
        return Optional.ofNullable(current);
    }

    /** How many versions were written so far. */
    public synchronized int versions() {
        return generation;
    }

    /**
     * Publishes a new version holding exactly {@code fields} (name to UTF-8 content) and answers this mount.
     *
     * @throws IllegalArgumentException if a field name is empty, starts with {@code ..} or holds a path separator
     * @throws UncheckedIOException if the file system refuses a step
     */
    public synchronized MountedSecretDirectory write(Map<String, String> fields) {
        Objects.requireNonNull(fields, "fields");
        for (Map.Entry<String, String> e : fields.entrySet()) {
            checkName(e.getKey());
            Objects.requireNonNull(e.getValue(), () -> "content of field '" + e.getKey() + "'");
        }
        try {
            Path old = current;
            Path next = Files.createDirectory(dir.resolve(nextStamp()));
            for (Map.Entry<String, String> e : fields.entrySet()) {
                Files.write(next.resolve(e.getKey()), e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            Path tmp = dir.resolve(DATA_LINK_TMP);
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, next.getFileName());
            Files.move(tmp, dir.resolve(DATA_LINK), StandardCopyOption.ATOMIC_MOVE);
            current = next;
            for (String field : fields.keySet()) {
                Path link = dir.resolve(field);
                if (!Files.isSymbolicLink(link)) {
                    Files.createSymbolicLink(link, Path.of(DATA_LINK, field));
                }
            }
            removeDroppedLinks(fields.keySet());
            if (old != null) {
                deleteRecursively(old);
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String nextStamp() {
        generation++;
        String time = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).format(STAMP);
        // the kubelet appends a random suffix; a counter keeps the names unique and the tests repeatable
        return String.format("..%s.%09d", time, generation);
    }

    private void removeDroppedLinks(Set<String> fields) throws IOException {
        List<Path> links;
        try (Stream<Path> entries = Files.list(dir)) {
            links = entries.filter(p -> !p.getFileName().toString().startsWith(".."))
                    .filter(Files::isSymbolicLink)
                    .collect(Collectors.toList());
        }
        for (Path link : links) {
            String name = link.getFileName().toString();
            if (!fields.contains(name) && Files.readSymbolicLink(link).equals(Path.of(DATA_LINK, name))) {
                Files.delete(link);
            }
        }
    }

    private static void checkName(String field) {
        if (field == null || field.isEmpty() || field.startsWith("..") || field.contains("/") || field.contains("\\")) {
            throw new IllegalArgumentException(
                    "fields: a field name must be a plain file name not starting with '..', got '" + field + "'");
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @Override
    public String toString() {
        return "MountedSecretDirectory{" + dir + ", versions=" + versions() + "}";
    }
}
