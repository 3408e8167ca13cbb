package dev.rotor.secrets.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.TimeSource;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tamper-evident audit sink: every {@link SecretEvent} becomes one line of an append-only JSON Lines file, chained
 * to the line before it by a SHA-256 hash and signed with HMAC-SHA256 under a key that Rotor itself reads from a
 * secret ref, so the key rotates like any other secret. The record and chain format is described in the {@linkplain
 * dev.rotor.secrets.audit package documentation}; {@link AuditChainVerifier} checks a chain.
 *
 * <pre>{@code
 * ChainedAuditFile audit = ChainedAuditFile.builder()
 *         .path(Path.of("/var/log/app/audit.jsonl"))
 *         .key(secrets, "file:/run/secrets/audit-key")
 *         .build();
 * secrets.addEventListener(audit);
 * ...
 * audit.close(); // drains the queue and writes a close record
 * }</pre>
 *
 * <p><b>Never blocks the engine.</b> {@link #onEvent} only offers the event to a bounded queue (default capacity
 * {@value #DEFAULT_QUEUE_CAPACITY}); a single writer (by default a daemon thread named {@code rotor-audit-writer})
 * signs, writes and syncs. When the queue is full the event is dropped and counted, and the writer records the count
 * in the chain as a {@code gap} record: a loss is never silent.
 *
 * <p><b>Durability.</b> By default ({@link Fsync#EVERY_BATCH}) the writer forces the file to disk after each batch of
 * records it took from the queue; {@link Fsync#EVERY_RECORD} forces after each record, {@link Fsync#NEVER} leaves it
 * to the operating system (records survive a crash of the process, not of the machine).
 *
 * <p><b>Segments.</b> When the active file would grow past the maximum size (default 10 MiB) the writer appends a
 * {@code roll} record, renames the file to the next numbered segment ({@code audit.jsonl.1}, {@code audit.jsonl.2},
 * ... : the higher the number, the newer) and starts a new active file whose first record links to the roll record.
 * Segments are never deleted by Rotor; removing old ones is the operator's choice (the verifier then needs {@code
 * --partial}).
 *
 * <p><b>Restarts.</b> {@link Builder#build()} reads the tail of the newest file, checks the last complete record's MAC
 * when the current key is the one that signed it, and continues its sequence and hash. A torn last line (a crash in
 * the middle of a write) is cut off and a {@code repair} record saying how many bytes were discarded is written
 * first. Every start writes an {@code open} record saying whether the chain was resumed and what the tail check found
 * ({@code verified}, {@code mac-mismatch}, {@code key-unavailable} or {@code new}).
 *
 * <p><b>Keys.</b> The key is the secret's raw value (or the ref's field) as bytes, at least {@value #MIN_KEY_BYTES}
 * bytes. Each record names the secret's version id ({@code kv}) and a key id ({@code kid}, a 16 hex digit HMAC of a
 * fixed label, which identifies a key without revealing it). If the key cannot be read (for example past its lease),
 * the writer keeps signing with the last key it had and logs it. No key or value is ever written or logged.
 *
 * <p>Thread-safe: {@link #onEvent} may be called from any thread. Only one sink may write a file at a time.
 */
public final class ChainedAuditFile implements SecretEventListener, AutoCloseable {
    /** The source name in this sink's exception messages. */
    public static final String SOURCE = "audit-file";

    /** The default capacity of the queue between {@link #onEvent} and the writer. */
    public static final int DEFAULT_QUEUE_CAPACITY = 8192;

    /** The default size at which the active file rolls to a numbered segment: 10 MiB. */
    public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024;

    /** The smallest maximum file size accepted. */
    public static final long MIN_MAX_SIZE = 1024;

    /** The shortest key accepted, in bytes. */
    public static final int MIN_KEY_BYTES = 16;

    /** The name of the default writer thread. */
    public static final String THREAD_NAME = "rotor-audit-writer";

    /** When the writer forces what it wrote to the disk. */
    public enum Fsync {
        /** After every record. */
        EVERY_RECORD,
        /** After each batch of records taken from the queue (the default). */
        EVERY_BATCH,
        /** Never explicitly: the operating system decides. */
        NEVER
    }

    private static final Logger LOG = LoggerFactory.getLogger(ChainedAuditFile.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Object CLOSE = new Object();
    private static final int MAX_TAIL = 4 * 1024 * 1024;
    private static final int BATCH = 1024;

    private final Path base;
    private final SecretHandle key;
    private final TimeSource time;
    private final long maxSize;
    private final Fsync fsync;
    private final Duration closeTimeout;
    private final ArrayBlockingQueue<Object> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile ChainAnchor last;

    // the writer's own state: touched by the writer thread only (after build() published it)
    private final List<String[]> startRecords = new ArrayList<>();
    private FileChannel channel;
    private long size;
    private long seq;
    private String prev;
    private long nextSegment;
    private Signer signer;
    private boolean keyWarned;

    private ChainedAuditFile(Builder b, SecretHandle key) {
        this.base = b.path;
        this.key = key;
        this.time = b.time;
        this.maxSize = b.maxSize;
        this.fsync = b.fsync;
        this.closeTimeout = b.closeTimeout;
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Offers the event to the writer's queue; never blocks. When the queue is full the event is counted as lost. */
    @Override
    public void onEvent(SecretEvent event) {
        if (closing || event == null) {
            return;
        }
        if (!queue.offer(event)) {
            dropped.incrementAndGet();
        }
    }

    /**
     * Waits, at most {@code timeout}, until the writer has written every event offered before this call (a shutdown
     * hook, or a test, that must know the records are in the file). Never needed for the chain's integrity. Returns
     * whether they were written in time; false too when the sink is closing or its queue is full.
     */
    public boolean awaitWritten(Duration timeout) {
        if (closing) {
            return false;
        }
        CountDownLatch reached = new CountDownLatch(1);
        try {
            return queue.offer(reached, timeout.toMillis(), TimeUnit.MILLISECONDS)
                    && reached.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The anchor of the last record written so far, to ship somewhere else as proof of the chain's length. */
    public Optional<ChainAnchor> lastWritten() {
        return Optional.ofNullable(last);
    }

    /** How many events were dropped and not yet recorded in a gap record. */
    public long pendingDropped() {
        return dropped.get();
    }

    /** The active file. */
    public Path path() {
        return base;
    }

    /**
     * Stops taking events, waits (up to the close timeout, default 10 s) for the writer to write what is queued and a
     * {@code close} record, and closes the file. Idempotent.
     */
    @Override
    public void close() {
        if (!closing) {
            closing = true;
            queue.offer(CLOSE);
        }
        try {
            if (!finished.await(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("audit file {}: writer did not finish within {}", base.getFileName(), closeTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the writer

    private void run() {
        try {
            for (String[] r : startRecords) {
                write(r[0], r[1]);
            }
            force(false);
            List<Object> batch = new ArrayList<>(BATCH);
            while (true) {
                Object first = queue.poll(1, TimeUnit.SECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                }
                boolean wrote = !batch.isEmpty();
                for (Object o : batch) {
                    if (o instanceof SecretEvent) {
                        write(ChainFormat.TYPE_EVENT, JsonAuditLogger.toJson((SecretEvent) o));
                    } else if (o instanceof CountDownLatch) {
                        ((CountDownLatch) o).countDown(); // awaitWritten: what came before it is written
                    }
                }
                batch.clear();
                wrote |= writeGap();
                if (closing && queue.isEmpty()) {
                    writeGap();
                    write(ChainFormat.TYPE_CLOSE, record(g -> {}));
                    force(true);
                    break;
                }
                if (wrote) {
                    force(false);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("audit file {}: writer interrupted before a close record", base.getFileName());
        } catch (IOException | RuntimeException e) {
            // the class only: a message from the file system or the key store is not ours to print
            LOG.error(
                    "audit file {}: writer stopped: {}",
                    base.getFileName(),
                    e.getClass().getName());
        } finally {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                LOG.warn(
                        "audit file {}: close failed: {}",
                        base.getFileName(),
                        e.getClass().getName());
            }
            finished.countDown();
        }
    }

    private boolean writeGap() throws IOException {
        long lost = dropped.getAndSet(0);
        if (lost == 0) {
            return false;
        }
        write(ChainFormat.TYPE_GAP, record(g -> g.writeNumberField("dropped", lost)));
        return true;
    }

    private void force(boolean always) throws IOException {
        if (always ? fsync != Fsync.NEVER : fsync == Fsync.EVERY_BATCH) {
            channel.force(false);
        }
    }

    private void write(String type, String recordJson) throws IOException {
        Signer s = signer();
        String line = line(s, type, recordJson);
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (!type.equals(ChainFormat.TYPE_ROLL) && size > 0 && size + bytes.length > maxSize) {
            roll();
            line = line(s, type, recordJson);
            bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        size += bytes.length;
        prev = ChainFormat.sha256(line);
        last = new ChainAnchor(seq, prev);
        seq++;
        if (fsync == Fsync.EVERY_RECORD) {
            channel.force(false);
        }
    }

    private String line(Signer s, String type, String recordJson) {
        String unsigned = ChainFormat.unsigned(seq, prev, s.version, s.keyId, type, recordJson);
        return ChainFormat.line(unsigned, ChainFormat.sign(s.mac, unsigned));
    }

    private void roll() throws IOException {
        long number = nextSegment++;
        write(ChainFormat.TYPE_ROLL, record(g -> g.writeNumberField("segment", number)));
        channel.force(false);
        channel.close();
        Path rolled = base.resolveSibling(base.getFileName() + "." + number);
        Files.move(base, rolled, StandardCopyOption.ATOMIC_MOVE);
        channel = open(base);
        size = 0;
    }

    private Signer signer() {
        Secret current;
        try {
            current = key.current();
        } catch (SecretException | IllegalStateException e) {
            if (!keyWarned) {
                keyWarned = true;
                LOG.warn(
                        "audit file {}: key {} unavailable ({}); signing with key version {}",
                        base.getFileName(),
                        key.ref(),
                        e.getClass().getSimpleName(),
                        signer.version);
            }
            return signer;
        }
        if (signer != null && current.version().equals(signer.version)) {
            return signer;
        }
        keyWarned = false;
        try {
            signer = Signer.of(current, key.ref());
        } catch (AuditFileException | IllegalStateException e) {
            LOG.warn(
                    "audit file {}: key {} version {} is unusable ({}); signing with key version {}",
                    base.getFileName(),
                    key.ref(),
                    current.version(),
                    e.getClass().getSimpleName(),
                    signer.version);
        }
        return signer;
    }

    private String record(JsonWriter body) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", time.now().toString());
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    @FunctionalInterface
    private interface JsonWriter {
        void write(JsonGenerator g) throws IOException;
    }

    private static FileChannel open(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    // ---- start and restart

    private void recover() {
        try {
            Path parent = base.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            List<Path> files = ChainFormat.segments(base);
            nextSegment = 1;
            for (Path f : files) {
                nextSegment = Math.max(nextSegment, ChainFormat.segmentNumber(base, f) + 1);
            }
            seq = 0;
            prev = ChainFormat.ZERO_HASH;
            String tail = "new";
            Long tailSeq = null;
            for (int i = files.size() - 1; i >= 0 && tailSeq == null; i--) {
                Path f = files.get(i);
                Tail t = Tail.read(f, key.ref());
                if (t.torn.length > 0) {
                    try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        c.truncate(t.completeLength);
                        c.force(true);
                    }
                    String name = f.getFileName().toString();
                    int discarded = t.torn.length;
                    String digest = ChainFormat.hex(ChainFormat.sha256(t.torn));
                    startRecords.add(new String[] {
                        ChainFormat.TYPE_REPAIR,
                        record(g -> {
                            g.writeStringField("file", name);
                            g.writeNumberField("discardedBytes", discarded);
                            g.writeStringField("discardedSha256", digest);
                        })
                    });
                    LOG.warn(
                            "audit file {}: torn last line of {} bytes cut off; recorded in the chain",
                            name,
                            discarded);
                }
                if (t.lastLine != null) {
                    JsonNode last = parseTail(f, t.lastLine);
                    tailSeq = last.get("seq").longValue();
                    seq = tailSeq + 1;
                    prev = ChainFormat.sha256(t.lastLine);
                    tail = checkTail(last, t.lastLine);
                    if (!tail.equals("verified")) {
                        LOG.warn(
                                "audit file {}: last record (seq {}) not verified on restart: {}",
                                f.getFileName(),
                                tailSeq,
                                tail);
                    }
                }
            }
            boolean resumed = tailSeq != null;
            String status = tail;
            Long resumedFrom = tailSeq;
            startRecords.add(new String[] {
                ChainFormat.TYPE_OPEN,
                record(g -> {
                    g.writeBooleanField("resumed", resumed);
                    g.writeStringField("tail", status);
                    if (resumedFrom != null) {
                        g.writeNumberField("tailSeq", resumedFrom);
                    }
                })
            });
            channel = open(base);
            size = channel.size();
        } catch (IOException e) {
            throw new AuditFileException(
                    "audit file " + base.getFileName() + " cannot be opened: "
                            + e.getClass().getSimpleName(),
                    key.ref(),
                    e);
        }
    }

    private JsonNode parseTail(Path f, String line) {
        JsonNode node = null;
        try {
            node = MAPPER.readTree(line);
        } catch (IOException e) {
            // reported below
        }
        if (node == null
                || !node.isObject()
                || !node.path("seq").canConvertToExactIntegral()
                || node.path("seq").longValue() < 0
                || !node.path("kid").isTextual()
                || ChainFormat.unsignedOf(line).isEmpty()) {
            throw new AuditFileException(
                    "the last line of audit file " + f.getFileName()
                            + " is not a chain record; move the file aside to start a new chain",
                    key.ref(),
                    null);
        }
        return node;
    }

    private String checkTail(JsonNode last, String line) {
        if (!last.get("kid").asText().equals(signer.keyId)) {
            return "key-unavailable";
        }
        String unsigned = ChainFormat.unsignedOf(line).orElseThrow();
        return ChainFormat.sameHex(ChainFormat.sign(signer.mac, unsigned), ChainFormat.macOf(line))
                ? "verified"
                : "mac-mismatch";
    }

    /** The last complete line of a file and the bytes after it (a torn line). */
    private static final class Tail {
        final String lastLine;
        final long completeLength;
        final byte[] torn;

        private Tail(String lastLine, long completeLength, byte[] torn) {
            this.lastLine = lastLine;
            this.completeLength = completeLength;
            this.torn = torn;
        }

        static Tail read(Path file, SecretRef keyRef) throws IOException {
            try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
                long fileSize = c.size();
                int window = (int) Math.min(fileSize, 64 * 1024);
                while (true) {
                    byte[] bytes = new byte[window];
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    long from = fileSize - window;
                    while (buffer.hasRemaining()) {
                        if (c.read(buffer, from + buffer.position()) < 0) {
                            throw new IOException("file shrank while read");
                        }
                    }
                    int end = lastIndexOf(bytes, window - 1);
                    if (end < 0 && from == 0) {
                        return new Tail(null, 0, bytes); // no complete line at all
                    }
                    if (end >= 0) {
                        int start = lastIndexOf(bytes, end - 1) + 1;
                        if (start > 0 || from == 0) {
                            String line = new String(bytes, start, end - start, StandardCharsets.UTF_8);
                            byte[] torn = Arrays.copyOfRange(bytes, end + 1, window);
                            return new Tail(line, from + end + 1, torn);
                        }
                    }
                    if (window >= MAX_TAIL) {
                        throw new AuditFileException(
                                "the last record of audit file " + file.getFileName() + " is longer than " + MAX_TAIL
                                        + " bytes",
                                keyRef,
                                null);
                    }
                    window = (int) Math.min(fileSize, (long) window * 2);
                }
            }
        }

        private static int lastIndexOf(byte[] bytes, int from) {
            for (int i = from; i >= 0; i--) {
                if (bytes[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }

    /** One key version, ready to sign. */
    private static final class Signer {
        final String version;
        final String keyId;
        final Mac mac;

        private Signer(String version, Mac mac) {
            this.version = version;
            this.mac = mac;
            this.keyId = ChainFormat.keyId(mac);
        }

        static Signer of(Secret secret, SecretRef ref) {
            byte[] bytes;
            if (ref.field().isPresent()) {
                String value = secret.field(ref.field().get())
                        .orElseThrow(() -> new AuditFileException(
                                "audit key has no field '" + ref.field().get() + "'", ref, null));
                bytes = value.getBytes(StandardCharsets.UTF_8);
            } else {
                try {
                    bytes = secret.bytes();
                } catch (SecretException e) {
                    throw new AuditFileException("audit key has no single value: name a field", ref, e);
                }
            }
            try {
                if (bytes.length < MIN_KEY_BYTES) {
                    throw new AuditFileException(
                            "audit key is shorter than " + MIN_KEY_BYTES + " bytes (version " + secret.version() + ")",
                            ref,
                            null);
                }
                return new Signer(secret.version(), ChainFormat.mac(bytes));
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }

    /**
     * Builds a {@link ChainedAuditFile}. {@link #path} and {@link #key} are required; every other option has a
     * documented default. Not thread-safe.
     */
    public static final class Builder {
        private Path path;
        private Secrets secrets;
        private String keyRef;
        private TimeSource time;
        private long maxSize = DEFAULT_MAX_SIZE;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private Fsync fsync = Fsync.EVERY_BATCH;
        private Executor writer;
        private Duration closeTimeout = Duration.ofSeconds(10);

        private Builder() {}

        /** The active file, for example {@code /var/log/app/audit.jsonl}; its directory is created if missing. */
        public Builder path(Path path) {
            this.path = Objects.requireNonNull(path, "path");
            return this;
        }

        /**
         * The MAC key: a secret ref read through {@code secrets} (for example {@code file:/run/secrets/audit-key} or
         * {@code vault:secret/app/audit#key}), held as a {@link SecretHandle} so that a new version is used from the
         * next record on. The record times come from {@code secrets}' clock.
         */
        public Builder key(Secrets secrets, String keyRef) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            this.keyRef = Objects.requireNonNull(keyRef, "keyRef");
            return this;
        }

        /** The size at which the active file rolls to a numbered segment (default 10 MiB, at least 1 KiB). */
        public Builder maxSize(long bytes) {
            this.maxSize = bytes;
            return this;
        }

        /** The capacity of the queue between {@link #onEvent} and the writer (default 8192, at least 1). */
        public Builder queueCapacity(int capacity) {
            this.queueCapacity = capacity;
            return this;
        }

        /** When the writer forces the file to disk (default {@link Fsync#EVERY_BATCH}). */
        public Builder fsync(Fsync policy) {
            this.fsync = Objects.requireNonNull(policy, "fsync");
            return this;
        }

        /**
         * Where the writer's loop runs: it is submitted once and runs until {@link #close()}. By default a new daemon
         * thread named {@value #THREAD_NAME}. Tests pass an executor that holds the loop back to fill the queue.
         */
        public Builder writer(Executor executor) {
            this.writer = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** How long {@link #close()} waits for the writer (default 10 seconds). */
        public Builder closeTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must not be negative");
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Loads the key, reads and repairs the tail of the file, and starts the writer.
         *
         * @throws IllegalArgumentException when an option is missing or out of range (the message names it)
         * @throws AuditFileException when the file cannot be opened or continued, or the key is unusable
         * @throws SecretException when the key cannot be loaded
         */
        public ChainedAuditFile build() {
            if (path == null) {
                throw new IllegalArgumentException("path is required");
            }
            if (secrets == null) {
                throw new IllegalArgumentException("key is required");
            }
            if (maxSize < MIN_MAX_SIZE) {
                throw new IllegalArgumentException("maxSize must be at least " + MIN_MAX_SIZE + " bytes: " + maxSize);
            }
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be at least 1: " + queueCapacity);
            }
            time = secrets.timeSource();
            SecretHandle handle = secrets.handle(keyRef);
            ChainedAuditFile file = new ChainedAuditFile(this, handle);
            file.signer = Signer.of(handle.current(), handle.ref());
            file.recover();
            Executor executor = writer != null
                    ? writer
                    : r -> {
                        Thread t = new Thread(r, THREAD_NAME);
                        t.setDaemon(true);
                        t.start();
                    };
            executor.execute(file::run);
            return file;
        }
    }
}
