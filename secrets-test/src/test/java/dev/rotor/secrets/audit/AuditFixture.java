package dev.rotor.secrets.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A real client for the audit tests: the MAC key is a file read by the {@code file:} source, the audited secrets live
 * in an in-memory source, and the engine runs on a manual clock. The audit file's writer is a real thread.
 */
final class AuditFixture implements AutoCloseable {
    static final String KEY_V1 = "k1-0123456789abcdef-audit-key-one";
    static final String KEY_V2 = "k2-fedcba9876543210-audit-key-two";
    static final String DB_PASSWORD = "pl4nted-db-passw0rd";

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path keyFile;
    final Path log;
    final ManualScheduler scheduler = new ManualScheduler();
    final InMemorySource mem = new InMemorySource("mem", scheduler.clock());
    final Secrets secrets;
    private final List<ChainedAuditFile> opened = new ArrayList<>();
    private int published;

    AuditFixture(Path dir) {
        this.dir = dir;
        this.keyFile = dir.resolve("audit-key");
        this.log = dir.resolve("logs").resolve("audit.jsonl");
        write(keyFile, KEY_V1 + "\n");
        mem.putFields("app/db", java.util.Map.of("username", "app", "password", DB_PASSWORD));
        secrets = Secrets.builder()
                .source(FileSecretSource.builder()
                        .timeSource(scheduler.clock())
                        .watch(false)
                        .build())
                .source(mem)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .build();
    }

    String keyRef() {
        return "file:" + keyFile;
    }

    ChainedAuditFile open() {
        return open(b -> {});
    }

    /** Builds a sink on the fixture's file and key and adds it to the client's listeners. */
    ChainedAuditFile open(Consumer<ChainedAuditFile.Builder> options) {
        ChainedAuditFile.Builder b = ChainedAuditFile.builder().path(log).key(secrets, keyRef());
        options.accept(b);
        ChainedAuditFile sink = b.build();
        secrets.addEventListener(sink);
        opened.add(sink);
        return sink;
    }

    /** Lifecycle steps through the real client: a load of the database secret, and {@code n} published events. */
    void events(int n) {
        secrets.get("mem:app/db");
        for (int i = 0; i < n; i++) {
            published++;
            secrets.publish(SecretEvent.builder(
                            SecretEventType.REFRESH_FAILED, scheduler.clock().now())
                    .ref(SecretRef.parse("mem:app/s" + published))
                    .source("mem")
                    .version(Integer.toString(published))
                    .detail("step " + published)
                    .build());
        }
    }

    /**
     * Waits (at most 10 s) until the writer thread of the last sink opened has written what {@link #events} published,
     * so that what follows, a key rotation say, cannot overtake records still in the queue.
     */
    void awaitWritten() {
        ChainedAuditFile sink = opened.get(opened.size() - 1);
        if (!sink.awaitWritten(java.time.Duration.ofSeconds(10))) {
            throw new AssertionError("the audit writer did not write the published events within 10 s");
        }
    }

    /** A new key in the key file, picked up by a refresh of the key ref: version "2". */
    void rotateKey() {
        write(keyFile, KEY_V2 + "\n");
        secrets.refresh(keyRef());
    }

    AuditChainVerifier.Builder verifierWithBothKeys() {
        return AuditChainVerifier.builder()
                .key("1", KEY_V1.getBytes(StandardCharsets.UTF_8))
                .key("2", KEY_V2.getBytes(StandardCharsets.UTF_8));
    }

    AuditVerdict verify() {
        return verifierWithBothKeys().build().verifyChain(log);
    }

    List<Path> segments() {
        try {
            return ChainFormat.segments(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(Path file) {
        try {
            return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeLines(Path file, List<String> lines) {
        write(file, String.join("\n", lines) + "\n");
    }

    static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> records(Path file) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : lines(file)) {
            out.add(json(line));
        }
        return out;
    }

    @Override
    public void close() {
        for (ChainedAuditFile sink : opened) {
            sink.close();
        }
        secrets.close();
    }
}
