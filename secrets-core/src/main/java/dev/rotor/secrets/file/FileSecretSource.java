package dev.rotor.secrets.file;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.internal.ServiceAccountClaims;
import dev.rotor.secrets.spi.ContentVersion;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.tls.internal.MountedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads secrets from the local file system: the {@code file:} scheme.
 *
 * <p><b>Refs.</b> {@code file:/run/secrets/db-password} reads one file. {@code file:/etc/secrets/db} names a
 * directory laid out the way Kubernetes mounts a Secret: each regular file whose name does not start with {@code .}
 * becomes a field named after the file, and the {@code ..data} symlink indirection that Kubernetes uses to swap all
 * files at once is followed transparently (entries starting with {@code .}, such as {@code ..data} and the
 * timestamped {@code ..2026_01_01_...} directories, are skipped). A relative path is resolved against the
 * {@linkplain Builder#baseDirectory(Path) base directory}, by default the working directory when the source was
 * built.
 *
 * <p><b>Formats.</b> The {@code format} parameter selects how a single file is read; without it a name ending in
 * {@code .json} or {@code .properties} selects that format, and anything else is raw:
 *
 * <ul>
 *   <li>{@code raw}: the whole file is the raw value, less one trailing line break ({@code \n} or {@code \r\n}).
 *       The bytes are kept as they are, so binary files work. In a directory each file is a field, less one trailing
 *       line break, and must be UTF-8 text.
 *   <li>{@code json}: a top-level object; each member whose value is a string, number or boolean becomes a field
 *       (numbers as written). A {@code null}, a nested object or an array is a {@link SecretFormatException}:
 *       nested content is rejected rather than flattened, so that what a field holds is never a guess.
 *   <li>{@code properties}: a {@link java.util.Properties} file read as UTF-8; each key becomes a field.
 *   <li>{@code tls}: a certificate with its key, the directory cert-manager's CSI driver or a Kubernetes TLS secret
 *       mounts ({@code tls.crt}, {@code tls.key}, {@code ca.crt}) or one PEM file. Read as {@code raw}, all files as
 *       one consistent version; the version's lease is the leaf's validity ({@code notBefore} to {@code notAfter},
 *       see {@link dev.rotor.secrets.tls.CertificateBundle#validityLease()}), so the engine stops serving it when it
 *       expires, and it is polled for a replacement every poll interval as well as watched. A key that does not match
 *       the certificate is taken for a write in progress (files replaced one by one) and read again later: a new
 *       certificate is never served with the old key.
 * </ul>
 *
 * <p><b>Versions.</b> Version ids are a counter kept per path by this source: {@code "1"} for the first content
 * read, then one more each time the content changes (a change back to earlier content is a change too). Change is
 * detected by a SHA-256 digest that never leaves the source; the id is never derived from the content, so it tells
 * nothing about the value. Counters live in memory and start again at {@code "1"} in a new source. {@link
 * #probeVersion(SecretRef)} re-reads and digests the content without parsing it, which is how the engine polls.
 *
 * <p><b>Half-written files.</b> A read is accepted only if the size, modification time, file identity and resolved
 * target (through every symlink, including {@code ..data}) of every file read are the same before and after the
 * read; otherwise it is retried, up to three reads, then reported as a retryable {@link SourceUnavailableException}.
 * An empty file is taken for a write in progress and is reported the same way, so a secret value is never empty.
 * Writers should still replace files atomically (write a temporary file, then rename it over the old one).
 *
 * <p><b>Errors.</b> A missing path is a {@link SecretNotFoundException}, a permission failure a {@link
 * SecretAccessDeniedException}, a file over the {@linkplain Builder#maxFileSize(long) size limit} (by default 1 MiB
 * per file and per directory) or content that does not parse a {@link SecretFormatException}, and other I/O failures
 * a retryable {@link SourceUnavailableException}. Messages name the ref and the source, never any content.
 *
 * <pre>{@code
 * FileSecretSource files = FileSecretSource.builder().baseDirectory(Path.of("/run/secrets")).build();
 * try (Secrets secrets = Secrets.builder().source(files).build()) {
 *     String password = secrets.value("file:/etc/secrets/db#password");   // a Kubernetes-mounted Secret
 *     DbConfig db = secrets.get("file:db.json", DbConfig.class);           // relative to /run/secrets
 * }
 * }</pre>
 *
 * <p>Thread-safe. Reads of one path are serialized, so versions are numbered in the order contents were read; reads
 * of different paths run in parallel. Found through {@link java.util.ServiceLoader} with its defaults (see {@link
 * FileSecretSourceProvider}); register one on the builder to change them.
 */
public final class FileSecretSource implements SecretSource {
    /** The scheme this source answers. */
    public static final String SCHEME = "file";

    /** The default {@linkplain Builder#maxFileSize(long) size limit}: 1 MiB. */
    public static final long DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

    /** How many times a read is tried before a file that keeps changing is reported unavailable. */
    static final int READ_ATTEMPTS = 3;

    private static final String DATA_LINK = "..data";

    private final Path baseDirectory;
    private final long maxFileSize;
    private final boolean explicitTime;
    private volatile TimeSource timeSource;
    private volatile SourceContext context;
    // one counter per secret the engine holds (keyed like the engine's entries: the ref without a field), released by
    // forget() when the engine lets the secret go
    private final ConcurrentHashMap<SecretRef, ContentVersion> versions = new ConcurrentHashMap<>();
    private volatile Runnable afterRead = () -> {};
    private final boolean watchEnabled;
    private final List<Path> confinedTo;
    private volatile FileWatch watch;
    private final Path serviceAccountTokenFile;
    private final SourceIdentity identity;

    /**
     * The refresh policy that fits a local file, which costs nothing to read: a poll every 10 s as the fallback for
     * file systems that send no change events (the watch sees a change at once), and retries at most the poll
     * interval apart, so a half-written or invalid file that is then corrected is picked up within seconds.
     */
    static final RefreshPolicy DEFAULT_POLICY = RefreshPolicy.builder()
            .pollInterval(Duration.ofSeconds(10))
            .maxBackoff(Duration.ofSeconds(10))
            .build();

    private FileSecretSource(
            Path baseDirectory,
            long maxFileSize,
            TimeSource timeSource,
            boolean watch,
            List<Path> confinedTo,
            Path serviceAccountTokenFile,
            SourceIdentity identity) {
        this.serviceAccountTokenFile = serviceAccountTokenFile;
        this.identity = identity;
        this.confinedTo = confinedTo;
        this.baseDirectory = baseDirectory;
        this.maxFileSize = maxFileSize;
        this.explicitTime = timeSource != null;
        this.timeSource = timeSource != null ? timeSource : TimeSource.system();
        this.watchEnabled = watch;
    }

    /**
     * Stamps {@link Secret#fetchedAt()} on the client's clock, unless the builder was given one, and starts watching
     * the directories read from (unless {@link Builder#watch(boolean)} turned it off).
     */
    @Override
    public void start(SourceContext context) {
        this.context = context;
        if (!explicitTime) {
            timeSource = context.timeSource();
        }
        if (watchEnabled) {
            watch = new FileWatch(context, this::resolveQuietly, name());
        }
    }

    /**
     * Polls every 10 s (a fallback: the watch sees a change within moments) and retries at most 10 s apart: reading a
     * local file costs nothing. See {@link RefreshPolicy} for how the application's policies layer over this.
     */
    @Override
    public RefreshPolicy defaultRefreshPolicy() {
        return DEFAULT_POLICY;
    }

    @Override
    public void close() {
        FileWatch w = watch;
        if (w != null) {
            w.close();
        }
    }

    /** How many directories the watch keeps state for (for tests of its bound). */
    int watchedDirectories() {
        FileWatch w = watch;
        return w == null ? 0 : w.trackedDirectories();
    }

    /** Whether the directory {@code dir} is watched for changes (for tests). */
    boolean watches(Path dir) {
        FileWatch w = watch;
        return w != null && w.watches(dir);
    }

    private Path resolveQuietly(SecretRef ref) {
        if (!SCHEME.equals(ref.scheme())) {
            return null;
        }
        try {
            return resolve(ref);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A source with the defaults: paths relative to the working directory, files up to 1 MiB, the system clock. */
    public static FileSecretSource create() {
        return builder().build();
    }

    /** Starts configuring a source. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return Set.of(SourceCapability.PROBE_VERSION);
    }

    /** {@code format}: {@code raw}, {@code json}, {@code properties} or {@code tls}. */
    @Override
    public Set<String> parameters() {
        return Set.of(FileFormat.PARAMETER);
    }

    /** The directory relative paths are resolved against. */
    public Path baseDirectory() {
        return baseDirectory;
    }

    /** The largest file (and directory, all files together) this source reads, in bytes. */
    public long maxFileSize() {
        return maxFileSize;
    }

    /**
     * Who the application is, for audit records: the identity given to {@link Builder#identity(SourceIdentity)}, else
     * the Kubernetes service account of the pod, from the claims of the mounted service-account token ({@link
     * Builder#serviceAccountTokenFile(Path)}, read once, its signature not verified): principal {@code
     * system:serviceaccount:<namespace>:<name>}, attributes {@code namespace}, {@code serviceaccount} and {@code
     * pod}. Empty when there is no such file (not in a pod); a file that is not a service-account JWT is a {@link
     * SecretFormatException} that names the file, never its content.
     */
    @Override
    public Optional<SourceIdentity> identity() {
        if (identity != null) {
            return Optional.of(identity);
        }
        return ServiceAccountClaims.read(serviceAccountTokenFile, SCHEME);
    }

    @Override
    public Secret fetch(FetchRequest request) {
        SecretRef ref = request.ref().withoutField();
        ref.requireParameters(parameters(), name());
        FileFormat format = FileFormat.select(ref, name());
        Path path = resolve(ref);
        ContentVersion counter = versions.computeIfAbsent(ref, p -> new ContentVersion());
        synchronized (counter) {
            FileContent content = read(ref, path);
            try {
                String version = counter.versionOfDigest(content.digest());
                Secret.Builder secret = Secret.builder(ref).version(version).fetchedAt(timeSource.now());
                format.apply(content, secret, ref, name());
                Secret read = secret.build();
                return format == FileFormat.TLS ? MountedCertificate.withValidity(read, name(), pollAgainAt()) : read;
            } finally {
                content.wipe();
            }
        }
    }

    /**
     * When a {@code format=tls} version asks to be read again: one poll interval from now. Its lease (the certificate's
     * validity) would otherwise put the next look at two thirds of the validity, and a directory that cannot be
     * watched would miss a replacement until then.
     */
    private Instant pollAgainAt() {
        SourceContext c = context;
        return c == null ? null : timeSource.now().plus(c.refreshPolicy().pollInterval());
    }

    /** Re-reads the content and answers its version id, counting a change if there was one. Does not parse. */
    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        SecretRef whole = ref.withoutField();
        whole.requireParameters(parameters(), name());
        Path path = resolve(whole);
        ContentVersion counter = versions.computeIfAbsent(whole, p -> new ContentVersion());
        synchronized (counter) {
            FileContent content = read(whole, path);
            try {
                return Optional.of(counter.versionOfDigest(content.digest()));
            } finally {
                content.wipe();
            }
        }
    }

    /** Runs {@code hook} after every read and before the re-check: lets tests change a file mid-read. */
    /** Drops the version counter of a secret the engine let go of; a later read counts from {@code "1"} again. */
    @Override
    public void forget(SecretRef ref) {
        versions.remove(ref.withoutField());
    }

    /** How many secrets this source keeps a version counter for: at most those the client's cache holds. */
    public int trackedSecrets() {
        return versions.size();
    }

    void afterRead(Runnable hook) {
        this.afterRead = Objects.requireNonNull(hook, "hook");
    }

    private Path resolve(SecretRef ref) {
        try {
            Path p = Path.of(ref.path());
            return (p.isAbsolute() ? p : baseDirectory.resolve(p)).normalize();
        } catch (InvalidPathException e) {
            throw new SecretConfigurationException("path is not valid on this file system", ref, name());
        }
    }

    // ---- consistent reads ----

    private FileContent read(SecretRef ref, Path path) {
        for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
            BasicFileAttributes top;
            try {
                top = Files.readAttributes(path, BasicFileAttributes.class);
            } catch (IOException e) {
                throw failure(e, ref);
            }
            FileWatch w = watch;
            if (w != null) {
                w.watch(path, top.isDirectory());
            }
            FileContent content;
            try {
                if (top.isDirectory()) {
                    content = tryReadDirectory(ref, path);
                } else if (top.isRegularFile()) {
                    content = tryReadFile(ref, path);
                } else {
                    throw new SecretConfigurationException(
                            "path is neither a regular file nor a directory", ref, name());
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                content = null; // replaced while being read: try again
            } catch (IOException e) {
                throw failure(e, ref);
            }
            if (content != null) {
                return content;
            }
        }
        throw new SourceUnavailableException(
                "content kept changing while being read (" + READ_ATTEMPTS
                        + " attempts); it is probably being written, try again later",
                ref,
                name());
    }

    /** Reads one file; answers null when it changed during the read. */
    private FileContent tryReadFile(SecretRef ref, Path path) throws IOException {
        Stamp before = Stamp.of(path);
        checkConfined(ref, before.target);
        checkSize(ref, before.size, "file");
        if (before.size == 0) {
            throw empty(ref, "file is empty");
        }
        byte[] bytes = readExactly(path, (int) before.size);
        if (bytes == null) {
            return null;
        }
        afterRead.run();
        if (!before.equals(Stamp.of(path))) {
            Arrays.fill(bytes, (byte) 0);
            return null;
        }
        return FileContent.ofFile(bytes);
    }

    /** Reads every visible regular file of a directory; answers null when anything changed during the read. */
    private FileContent tryReadDirectory(SecretRef ref, Path dir) throws IOException {
        DirectoryState before = DirectoryState.of(dir);
        checkConfined(ref, dir.toRealPath());
        for (Stamp s : before.files.values()) {
            checkConfined(ref, s.target); // a link in a mount to a file elsewhere
        }
        if (before.files.isEmpty()) {
            throw new SecretNotFoundException("directory has no visible regular files", ref, name());
        }
        long total = 0;
        for (Map.Entry<String, Stamp> e : before.files.entrySet()) {
            long size = e.getValue().size;
            checkSize(ref, size, "file '" + e.getKey() + "' in the directory");
            if (size == 0) {
                throw empty(ref, "file '" + e.getKey() + "' in the directory is empty");
            }
            total += size;
        }
        checkSize(ref, total, "directory");
        Map<String, byte[]> files = new LinkedHashMap<>();
        FileContent content = FileContent.ofDirectory(files);
        boolean complete = false;
        try {
            for (Map.Entry<String, Stamp> e : before.files.entrySet()) {
                byte[] bytes = readExactly(dir.resolve(e.getKey()), (int) e.getValue().size);
                if (bytes == null) {
                    return null;
                }
                files.put(e.getKey(), bytes);
            }
            afterRead.run();
            complete = before.equals(DirectoryState.of(dir));
            return complete ? content : null;
        } finally {
            if (!complete) {
                content.wipe();
            }
        }
    }

    /** Reads exactly {@code size} bytes and checks that the file ends there; answers null when it does not. */
    private static byte[] readExactly(Path path, int size) throws IOException {
        byte[] bytes = new byte[size];
        try (InputStream in = Files.newInputStream(path)) {
            int n = in.readNBytes(bytes, 0, size);
            if (n == size && in.read() < 0) {
                return bytes;
            }
        } catch (IOException | RuntimeException e) {
            Arrays.fill(bytes, (byte) 0);
            throw e;
        }
        Arrays.fill(bytes, (byte) 0);
        return null;
    }

    /**
     * When the source is confined, the real path of everything it reads (every link resolved, {@code ..data}
     * included) must lie inside one of its directories.
     */
    private void checkConfined(SecretRef ref, Path realTarget) {
        if (confinedTo.isEmpty()) {
            return;
        }
        for (Path root : confinedTo) {
            Path real;
            try {
                real = root.toRealPath();
            } catch (IOException e) {
                continue; // a directory that does not exist (yet) holds nothing
            }
            if (realTarget.startsWith(real)) {
                return;
            }
        }
        throw new SecretAccessDeniedException(
                "path is outside the directories this source may read (links resolved)", ref, name());
    }

    /** The directories this source is confined to; empty when it may read any path the process can. */
    public List<Path> confinedTo() {
        return confinedTo;
    }

    private void checkSize(SecretRef ref, long size, String what) {
        if (size > maxFileSize) {
            throw new SecretFormatException(
                    what + " is larger than the limit of " + maxFileSize + " bytes (" + size + " bytes)", ref, name());
        }
    }

    private SourceUnavailableException empty(SecretRef ref, String problem) {
        return new SourceUnavailableException(problem + "; it is probably being written, try again later", ref, name());
    }

    private RuntimeException failure(IOException e, SecretRef ref) {
        String kind = e.getClass().getSimpleName();
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return new SecretNotFoundException("no such file or directory", ref, name());
        }
        if (e instanceof AccessDeniedException) {
            return new SecretAccessDeniedException("permission denied reading the file (" + kind + ")", ref, name());
        }
        return new SourceUnavailableException("could not read the file (" + kind + ")", ref, name(), e);
    }

    @Override
    public String toString() {
        return "FileSecretSource{baseDirectory=" + baseDirectory + ", maxFileSize=" + maxFileSize + "}";
    }

    // ---- what a read is checked against ----

    /** One file's metadata, through symlinks: equal stamps before and after a read mean the read is whole. */
    private static final class Stamp {
        final long size;
        final FileTime modified;
        final Object fileKey;
        final Path target;

        private Stamp(long size, FileTime modified, Object fileKey, Path target) {
            this.size = size;
            this.modified = modified;
            this.fileKey = fileKey;
            this.target = target;
        }

        static Stamp of(Path path) throws IOException {
            Path target = path.toRealPath();
            BasicFileAttributes a = Files.readAttributes(target, BasicFileAttributes.class);
            return new Stamp(a.size(), a.lastModifiedTime(), a.fileKey(), target);
        }

        boolean isRegularFile() {
            return Files.isRegularFile(target);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Stamp)) {
                return false;
            }
            Stamp s = (Stamp) o;
            return size == s.size
                    && modified.equals(s.modified)
                    && Objects.equals(fileKey, s.fileKey)
                    && target.equals(s.target);
        }

        @Override
        public int hashCode() {
            return Objects.hash(size, modified, fileKey, target);
        }
    }

    /** A directory's visible regular files and, for the Kubernetes layout, where {@code ..data} points. */
    private static final class DirectoryState {
        final Path dataTarget;
        final Map<String, Stamp> files;

        private DirectoryState(Path dataTarget, Map<String, Stamp> files) {
            this.dataTarget = dataTarget;
            this.files = files;
        }

        static DirectoryState of(Path dir) throws IOException {
            Path data = dir.resolve(DATA_LINK);
            Path dataTarget = Files.isSymbolicLink(data) ? Files.readSymbolicLink(data) : null;
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (!name.startsWith(".")) {
                        names.add(name);
                    }
                }
            }
            names.sort(null);
            Map<String, Stamp> files = new LinkedHashMap<>();
            for (String name : names) {
                Stamp stamp;
                try {
                    stamp = Stamp.of(dir.resolve(name));
                } catch (NoSuchFileException e) {
                    // a dangling symlink, or a file removed since the listing: not part of the secret
                    continue;
                }
                if (stamp.isRegularFile()) {
                    files.put(name, stamp);
                }
            }
            return new DirectoryState(dataTarget, files);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DirectoryState
                    && Objects.equals(dataTarget, ((DirectoryState) o).dataTarget)
                    && files.equals(((DirectoryState) o).files);
        }

        @Override
        public int hashCode() {
            return Objects.hash(dataTarget, files);
        }
    }

    /**
     * Configures a {@link FileSecretSource}. {@link #build()} rejects a size limit that is not positive, naming the
     * option. Not thread-safe.
     */
    public static final class Builder {
        private Path baseDirectory;
        private long maxFileSize = DEFAULT_MAX_FILE_SIZE;
        private TimeSource timeSource;
        private boolean watch = true;
        private final List<Path> confineTo = new ArrayList<>();
        private Path serviceAccountTokenFile = ServiceAccountClaims.DEFAULT_TOKEN_FILE;
        private SourceIdentity identity;

        private Builder() {}

        /**
         * The service-account token whose claims tell who the application is (see {@link
         * FileSecretSource#identity()}); default {@code /var/run/secrets/kubernetes.io/serviceaccount/token}.
         */
        public Builder serviceAccountTokenFile(Path file) {
            this.serviceAccountTokenFile = Objects.requireNonNull(file, "serviceAccountTokenFile");
            return this;
        }

        /** Who the application is, as the application states it; wins over the service-account token. */
        public Builder identity(SourceIdentity identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        /**
         * Confines the source to these directories (relative ones against the base directory): a ref whose path, once
         * every link is resolved, lies elsewhere is refused with {@link SecretAccessDeniedException}, so that {@code
         * file:/etc/passwd}, a {@code ../} path or a link from a mount to elsewhere read nothing. Default: not confined.
         *
         * <pre>{@code
         * FileSecretSource.builder().confineTo(Path.of("/run/secrets"), Path.of("/etc/secrets")).build()
         * }</pre>
         */
        public Builder confineTo(Path... directories) {
            for (Path d : directories) {
                confineTo.add(Objects.requireNonNull(d, "directory"));
            }
            return this;
        }

        /** Confines the source to its {@linkplain #baseDirectory(Path) base directory}; see {@link #confineTo}. */
        public Builder confineToBaseDirectory() {
            confineTo.add(Path.of(""));
            return this;
        }

        /**
         * Whether to watch the directories read from for changes (default true), so that a new version reaches the
         * application within moments of the write; without it, changes are seen at the next poll.
         */
        public Builder watch(boolean watch) {
            this.watch = watch;
            return this;
        }

        /** Where relative paths are resolved; default the working directory at {@link #build()}. */
        public Builder baseDirectory(Path baseDirectory) {
            this.baseDirectory = Objects.requireNonNull(baseDirectory, "baseDirectory");
            return this;
        }

        /** The largest file, and the largest directory (all files together), read; default 1 MiB. */
        public Builder maxFileSize(long bytes) {
            this.maxFileSize = bytes;
            return this;
        }

        /** The clock that stamps {@link Secret#fetchedAt()}; default the clock of the client using the source. */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        public FileSecretSource build() {
            if (maxFileSize < 1 || maxFileSize > Integer.MAX_VALUE - 8) {
                throw new SecretConfigurationException(
                        "FileSecretSource.maxFileSize must be between 1 and " + (Integer.MAX_VALUE - 8) + " bytes, was "
                                + maxFileSize,
                        null,
                        SCHEME);
            }
            Path base = baseDirectory == null ? Path.of("") : baseDirectory;
            List<Path> roots = new ArrayList<>();
            for (Path d : confineTo) {
                roots.add((d.isAbsolute() ? d : base.toAbsolutePath().resolve(d)).normalize());
            }
            return new FileSecretSource(
                    base.toAbsolutePath().normalize(),
                    maxFileSize,
                    timeSource,
                    watch,
                    List.copyOf(roots),
                    serviceAccountTokenFile,
                    identity);
        }
    }
}
