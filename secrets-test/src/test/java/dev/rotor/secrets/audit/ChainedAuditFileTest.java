package dev.rotor.secrets.audit;

import static dev.rotor.secrets.audit.AuditFixture.lines;
import static dev.rotor.secrets.audit.AuditFixture.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer: what a chain looks like, key rotation, segments, restarts, torn tails, a full queue. */
class ChainedAuditFileTest {
    @TempDir
    Path tmp;

    private AuditFixture fx;

    @BeforeEach
    void start() {
        fx = new AuditFixture(tmp);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    /** Holds the writer's loop back until {@link #release()}, so that the queue fills deterministically. */
    private static final class HeldWriter implements Executor {
        private final AtomicReference<Runnable> loop = new AtomicReference<>();

        @Override
        public void execute(Runnable command) {
            loop.set(command);
        }

        Thread release() {
            Thread t = new Thread(loop.get(), "held-audit-writer");
            t.setDaemon(true);
            t.start();
            return t;
        }
    }

    @Test
    void events_becomeOneSignedChainedRecordEach_fromOpenToClose() {
        ChainedAuditFile sink = fx.open();
        fx.events(3);
        sink.close();

        List<JsonNode> records = records(fx.log);
        assertThat(records.get(0).get("type").asText()).isEqualTo("open");
        assertThat(records.get(0).get("rec").get("resumed").asBoolean()).isFalse();
        assertThat(records.get(0).get("prev").asText()).isEqualTo("0".repeat(64));
        assertThat(records.get(records.size() - 1).get("type").asText()).isEqualTo("close");
        List<String> events = records.stream()
                .filter(r -> r.get("type").asText().equals("event"))
                .map(r -> r.get("rec").get("event").asText())
                .collect(Collectors.toList());
        assertThat(events).containsSubsequence("LOADED", "REFRESH_FAILED", "REFRESH_FAILED", "REFRESH_FAILED");
        List<String> lines = lines(fx.log);
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i).get("seq").asLong()).isEqualTo(i);
            assertThat(records.get(i).get("kv").asText()).isEqualTo("1");
            if (i > 0) {
                assertThat(records.get(i).get("prev").asText()).isEqualTo(ChainFormat.sha256(lines.get(i - 1)));
            }
        }
        AuditVerdict verdict = fx.verify();
        assertThat(verdict.kind()).isEqualTo(AuditVerdict.Kind.OK);
        assertThat(verdict.closed()).isTrue();
        assertThat(verdict.records()).isEqualTo(records.size());
        assertThat(verdict.last()).contains(sink.lastWritten().orElseThrow());
    }

    @Test
    void eventRecord_isExactlyTheAuditLoggersObject() {
        ChainedAuditFile sink = fx.open();
        SecretEvent event = SecretEvent.builder(SecretEventType.ROTATED, Instant.parse("2026-11-25T10:00:00Z"))
                .ref(dev.rotor.secrets.SecretRef.parse("mem:app/db"))
                .source("mem")
                .version("7")
                .build();
        sink.onEvent(event);
        sink.close();
        String line = lines(fx.log).stream()
                .filter(l -> l.contains("\"ROTATED\""))
                .findFirst()
                .orElseThrow();
        assertThat(line).contains(",\"rec\":" + dev.rotor.secrets.JsonAuditLogger.toJson(event) + ",\"mac\":\"");
    }

    @Test
    void keyRotationMidChain_recordsNameTheirVersion_andBothVersionsVerify() {
        ChainedAuditFile sink = fx.open();
        fx.events(2);
        fx.awaitWritten();
        fx.rotateKey();
        fx.events(2);
        sink.close();

        List<JsonNode> records = records(fx.log);
        assertThat(records.get(0).get("kv").asText()).isEqualTo("1");
        assertThat(records.get(records.size() - 1).get("kv").asText()).isEqualTo("2");
        assertThat(records.get(0).get("kid").asText())
                .isNotEqualTo(records.get(records.size() - 1).get("kid").asText());
        assertThat(fx.verify().kind()).isEqualTo(AuditVerdict.Kind.OK);

        long firstOfTwo = records.stream()
                .filter(r -> r.get("kv").asText().equals("2"))
                .findFirst()
                .orElseThrow()
                .get("seq")
                .asLong();
        AuditVerdict onlyOld = AuditChainVerifier.builder()
                .key("1", AuditFixture.KEY_V1.getBytes(StandardCharsets.UTF_8))
                .build()
                .verifyChain(fx.log);
        assertThat(onlyOld.kind()).isEqualTo(AuditVerdict.Kind.UNKNOWN_KEY_VERSION);
        assertThat(onlyOld.seq()).hasValue(firstOfTwo);
        assertThat(onlyOld.line()).isEqualTo(firstOfTwo + 1);
    }

    @Test
    void segmentRotation_rollsToNumberedFiles_andTheChainRunsAcrossThem() throws Exception {
        ChainedAuditFile sink = fx.open(b -> b.maxSize(1024));
        fx.events(20);
        sink.close();

        List<Path> files = fx.segments();
        assertThat(files.size()).isGreaterThanOrEqualTo(3);
        assertThat(files.get(0).getFileName().toString()).isEqualTo("audit.jsonl.1");
        assertThat(files.get(files.size() - 1)).isEqualTo(fx.log);
        for (int i = 0; i + 1 < files.size(); i++) {
            List<String> older = lines(files.get(i));
            String lastOfOlder = older.get(older.size() - 1);
            JsonNode roll = AuditFixture.json(lastOfOlder);
            assertThat(roll.get("type").asText()).isEqualTo("roll");
            assertThat(roll.get("rec").get("segment").asLong()).isEqualTo(i + 1);
            JsonNode firstOfNewer = AuditFixture.json(lines(files.get(i + 1)).get(0));
            assertThat(firstOfNewer.get("prev").asText()).isEqualTo(ChainFormat.sha256(lastOfOlder));
            assertThat(firstOfNewer.get("seq").asLong())
                    .isEqualTo(roll.get("seq").asLong() + 1);
            // a segment holds at most one record past the limit: the roll record
            assertThat(Files.size(files.get(i)) - lastOfOlder.length() - 1).isLessThanOrEqualTo(1024);
        }
        assertThat(fx.verify().kind()).isEqualTo(AuditVerdict.Kind.OK);

        // a missing middle segment is a deletion
        fx.delete(files.get(1));
        AuditVerdict verdict = fx.verify();
        assertThat(verdict.kind()).isEqualTo(AuditVerdict.Kind.DELETED);
        assertThat(verdict.file()).contains(files.get(2));
        assertThat(verdict.line()).isEqualTo(1);
    }

    @Test
    void restart_continuesSeqAndHash_andRecordsAVerifiedTail() {
        ChainedAuditFile first = fx.open();
        fx.events(2);
        first.close();
        long lastSeq = first.lastWritten().orElseThrow().seq();

        ChainedAuditFile second = fx.open();
        fx.events(2);
        second.close();

        List<JsonNode> records = records(fx.log);
        JsonNode reopen = records.get((int) lastSeq + 1);
        assertThat(reopen.get("type").asText()).isEqualTo("open");
        assertThat(reopen.get("rec").get("resumed").asBoolean()).isTrue();
        assertThat(reopen.get("rec").get("tail").asText()).isEqualTo("verified");
        assertThat(reopen.get("rec").get("tailSeq").asLong()).isEqualTo(lastSeq);
        AuditVerdict verdict = fx.verify();
        assertThat(verdict.kind()).isEqualTo(AuditVerdict.Kind.OK);
        assertThat(verdict.records()).isEqualTo(records.size());
    }

    @Test
    void restartAfterKeyRotation_saysTheTailsKeyIsUnavailable_andStillChains() {
        ChainedAuditFile first = fx.open();
        fx.events(1);
        first.close();
        fx.rotateKey();

        ChainedAuditFile second = fx.open();
        second.close();

        JsonNode reopen = records(fx.log).stream()
                .filter(r -> r.get("type").asText().equals("open"))
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(reopen.get("rec").get("tail").asText()).isEqualTo("key-unavailable");
        assertThat(fx.verify().kind()).isEqualTo(AuditVerdict.Kind.OK);
    }

    @Test
    void restartAfterACrashMidWrite_cutsTheTornLine_andRecordsTheRepair() throws Exception {
        ChainedAuditFile first = fx.open();
        fx.events(2);
        first.close();
        // a crash in the middle of the close record: half of its line reached the disk
        List<String> lines = lines(fx.log);
        String closeLine = lines.remove(lines.size() - 1);
        String torn = closeLine.substring(0, closeLine.length() / 2);
        AuditFixture.write(fx.log, String.join("\n", lines) + "\n" + torn);

        AuditVerdict beforeRestart = fx.verify();
        assertThat(beforeRestart.kind()).isEqualTo(AuditVerdict.Kind.TRUNCATED);
        assertThat(beforeRestart.line()).isEqualTo(lines.size() + 1);

        ChainedAuditFile second = fx.open();
        second.close();

        List<JsonNode> records = records(fx.log);
        JsonNode repair = records.get(lines.size());
        assertThat(repair.get("type").asText()).isEqualTo("repair");
        assertThat(repair.get("rec").get("discardedBytes").asInt())
                .isEqualTo(torn.getBytes(StandardCharsets.UTF_8).length);
        assertThat(repair.get("rec").get("file").asText()).isEqualTo("audit.jsonl");
        assertThat(repair.get("prev").asText()).isEqualTo(ChainFormat.sha256(lines.get(lines.size() - 1)));
        assertThat(records.get(lines.size() + 1).get("type").asText()).isEqualTo("open");
        assertThat(fx.verify().kind()).isEqualTo(AuditVerdict.Kind.OK);
    }

    @Test
    void fullQueue_dropsWithoutBlocking_andWritesAGapRecordWithTheCount() throws Exception {
        HeldWriter held = new HeldWriter();
        ChainedAuditFile sink = ChainedAuditFile.builder()
                .path(fx.log)
                .key(fx.secrets, fx.keyRef())
                .queueCapacity(4)
                .writer(held)
                .build();
        for (int i = 0; i < 10; i++) {
            sink.onEvent(event(i));
        }
        assertThat(sink.pendingDropped()).isEqualTo(6);
        Thread writer = held.release();
        sink.close();
        writer.join(TimeUnit.SECONDS.toMillis(10));

        List<JsonNode> records = records(fx.log);
        assertThat(records.stream().filter(r -> r.get("type").asText().equals("event")))
                .hasSize(4);
        List<JsonNode> gaps = records.stream()
                .filter(r -> r.get("type").asText().equals("gap"))
                .collect(Collectors.toList());
        assertThat(gaps).hasSize(1);
        assertThat(gaps.get(0).get("rec").get("dropped").asLong()).isEqualTo(6);
        assertThat(fx.verify().kind()).isEqualTo(AuditVerdict.Kind.OK);
    }

    @Test
    void awaitWritten_returnsOnceWhatWasOfferedBeforeIsInTheFile_andFalseWhileTheWriterIsHeld() throws Exception {
        HeldWriter held = new HeldWriter();
        ChainedAuditFile sink = ChainedAuditFile.builder()
                .path(fx.log)
                .key(fx.secrets, fx.keyRef())
                .writer(held)
                .build();
        sink.onEvent(event(1));
        sink.onEvent(event(2));
        assertThat(sink.awaitWritten(java.time.Duration.ofMillis(200))).isFalse(); // nothing runs the writer yet

        held.release();
        assertThat(sink.awaitWritten(java.time.Duration.ofSeconds(10))).isTrue();
        long written = records(fx.log).stream()
                .filter(r -> r.get("type").asText().equals("event"))
                .count();
        assertThat(written).isEqualTo(2);
        sink.close();
        assertThat(sink.awaitWritten(java.time.Duration.ofSeconds(1))).isFalse(); // closed
    }

    @Test
    void onEvent_neverBlocks_underManyThreads_andEveryEventIsWrittenOrCounted() throws Exception {
        HeldWriter held = new HeldWriter();
        ChainedAuditFile sink = ChainedAuditFile.builder()
                .path(fx.log)
                .key(fx.secrets, fx.keyRef())
                .queueCapacity(500)
                .writer(held)
                .build();
        int threads = 8;
        int perThread = 5_000;
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread p = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        sink.onEvent(event(i));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
            p.start();
            producers.add(p);
        }
        go.countDown();
        // the writer is held back the whole time: producers finish only because offering never waits for it
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        Thread writer = held.release();
        // and while it drains, more events from many threads still get in or are counted
        sink.close();
        writer.join(TimeUnit.SECONDS.toMillis(10));

        List<JsonNode> records = records(fx.log);
        long written = records.stream()
                .filter(r -> r.get("type").asText().equals("event"))
                .count();
        long dropped = records.stream()
                .filter(r -> r.get("type").asText().equals("gap"))
                .mapToLong(r -> r.get("rec").get("dropped").asLong())
                .sum();
        assertThat(written).isEqualTo(500);
        assertThat(written + dropped).isEqualTo((long) threads * perThread);
        assertThat(fx.verify().kind()).isEqualTo(AuditVerdict.Kind.OK);
    }

    @Test
    void concurrentProducersWhileTheWriterRuns_everyEventIsWrittenOrCounted() throws Exception {
        ChainedAuditFile sink = fx.open(b -> b.queueCapacity(64).fsync(ChainedAuditFile.Fsync.NEVER));
        int threads = 4;
        int perThread = 2_000;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            new Thread(() -> {
                        for (int i = 0; i < perThread; i++) {
                            sink.onEvent(event(i));
                        }
                        done.countDown();
                    })
                    .start();
        }
        assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        sink.close();
        List<JsonNode> records = records(fx.log);
        long written = records.stream()
                .filter(r -> r.get("type").asText().equals("event"))
                .filter(r -> r.get("rec").get("event").asText().equals("REFRESH_FAILED"))
                .count();
        long dropped = records.stream()
                .filter(r -> r.get("type").asText().equals("gap"))
                .mapToLong(r -> r.get("rec").get("dropped").asLong())
                .sum();
        assertThat(written + dropped).isEqualTo((long) threads * perThread);
        assertThat(fx.verify().kind()).isEqualTo(AuditVerdict.Kind.OK);
    }

    @Test
    void aKeyShorterThanSixteenBytes_isRejected_namingTheRefNotTheValue() {
        AuditFixture.write(fx.keyFile, "short-key-9");
        fx.secrets.refresh(fx.keyRef());
        assertThatThrownBy(() -> fx.open())
                .isInstanceOf(AuditFileException.class)
                .hasMessageContaining(fx.keyRef())
                .hasMessageContaining("audit-file")
                .hasMessageNotContaining("short-key-9");
    }

    @Test
    void aFileWhoseLastLineIsNotARecord_isNotContinued() throws Exception {
        Files.createDirectories(fx.log.getParent());
        AuditFixture.write(fx.log, "{\"some\":\"other log\"}\n");
        assertThatThrownBy(() -> fx.open())
                .isInstanceOf(AuditFileException.class)
                .hasMessageContaining("audit.jsonl")
                .hasMessageContaining("not a chain record");
        assertThat(lines(fx.log)).containsExactly("{\"some\":\"other log\"}");
    }

    @Test
    void builder_rejectsMissingAndOutOfRangeOptions_namingThem() {
        assertThatThrownBy(() ->
                        ChainedAuditFile.builder().key(fx.secrets, fx.keyRef()).build())
                .hasMessageContaining("path");
        assertThatThrownBy(() -> ChainedAuditFile.builder().path(fx.log).build())
                .hasMessageContaining("key");
        assertThatThrownBy(() -> ChainedAuditFile.builder()
                        .path(fx.log)
                        .key(fx.secrets, fx.keyRef())
                        .maxSize(10)
                        .build())
                .hasMessageContaining("maxSize");
        assertThatThrownBy(() -> ChainedAuditFile.builder()
                        .path(fx.log)
                        .key(fx.secrets, fx.keyRef())
                        .queueCapacity(0)
                        .build())
                .hasMessageContaining("queueCapacity");
    }

    @Test
    void defaultWriter_isANamedDaemonThread() {
        ChainedAuditFile sink = fx.open();
        Thread writer = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(ChainedAuditFile.THREAD_NAME))
                .findFirst()
                .orElseThrow();
        assertThat(writer.isDaemon()).isTrue();
        sink.close();
    }

    private SecretEvent event(int i) {
        return SecretEvent.builder(
                        SecretEventType.REFRESH_FAILED, fx.scheduler.clock().now())
                .ref(dev.rotor.secrets.SecretRef.parse("mem:app/stress"))
                .source("mem")
                .detail("n " + i)
                .build();
    }
}
