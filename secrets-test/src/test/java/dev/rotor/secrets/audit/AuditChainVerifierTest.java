package dev.rotor.secrets.audit;

import static dev.rotor.secrets.audit.AuditFixture.lines;
import static dev.rotor.secrets.audit.AuditFixture.writeLines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.audit.AuditVerdict.Kind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier against a real chain that the test then tampers with, record by record. */
class AuditChainVerifierTest {
    @TempDir
    Path tmp;

    private AuditFixture fx;
    private ChainedAuditFile sink;
    private List<String> original;

    @BeforeEach
    void writeAChain() {
        fx = new AuditFixture(tmp);
        sink = fx.open();
        fx.events(8);
        sink.close();
        original = lines(fx.log);
        assertThat(original.size()).isGreaterThanOrEqualTo(10);
        assertThat(fx.verify().kind()).isEqualTo(Kind.OK);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private AuditVerdict tampered(List<String> lines) {
        writeLines(fx.log, lines);
        return fx.verify();
    }

    private List<String> copy() {
        return new ArrayList<>(original);
    }

    @Test
    void alteredRecord_isAlteredAtItsLine() {
        List<String> lines = copy();
        lines.set(4, lines.get(4).replace("\"REFRESH_FAILED\"", "\"ROTATED\""));
        assertThat(lines.get(4)).isNotEqualTo(original.get(4));
        AuditVerdict verdict = tampered(lines);
        assertThat(verdict.kind()).isEqualTo(Kind.ALTERED);
        assertThat(verdict.file()).contains(fx.log);
        assertThat(verdict.line()).isEqualTo(5);
        assertThat(verdict.seq()).hasValue(4);
        assertThat(verdict.reason()).contains("mac");
    }

    @Test
    void alteredSeq_isAlteredNotReordered() {
        List<String> lines = copy();
        lines.set(3, lines.get(3).replace("{\"seq\":3,", "{\"seq\":30,"));
        AuditVerdict verdict = tampered(lines);
        assertThat(verdict.kind()).isEqualTo(Kind.ALTERED);
        assertThat(verdict.line()).isEqualTo(4);
    }

    @Test
    void insertedCopyOfARecord_isInsertedAtTheCopy() {
        List<String> lines = copy();
        lines.add(6, original.get(2));
        AuditVerdict verdict = tampered(lines);
        assertThat(verdict.kind()).isEqualTo(Kind.INSERTED);
        assertThat(verdict.line()).isEqualTo(7);
        assertThat(verdict.seq()).hasValue(2);
        assertThat(verdict.reason()).contains("a copy of the record with seq 2");
    }

    @Test
    void deletedRecord_isDeletedAtTheRecordAfterTheHole() {
        List<String> lines = copy();
        lines.remove(3);
        AuditVerdict verdict = tampered(lines);
        assertThat(verdict.kind()).isEqualTo(Kind.DELETED);
        assertThat(verdict.line()).isEqualTo(4);
        assertThat(verdict.seq()).hasValue(4);
        assertThat(verdict.reason()).contains("seq 3 missing");
    }

    @Test
    void deletedFirstRecords_areDeleted_unlessAPartialChainIsAccepted() {
        List<String> lines = copy();
        lines.subList(0, 2).clear();
        writeLines(fx.log, lines);
        AuditVerdict verdict = fx.verify();
        assertThat(verdict.kind()).isEqualTo(Kind.DELETED);
        assertThat(verdict.line()).isEqualTo(1);
        assertThat(fx.verifierWithBothKeys()
                        .partial(true)
                        .build()
                        .verifyChain(fx.log)
                        .kind())
                .isEqualTo(Kind.OK);
    }

    @Test
    void swappedRecords_areReorderedAtTheFirstOutOfPlace() {
        List<String> lines = copy();
        Collections.swap(lines, 4, 5);
        AuditVerdict verdict = tampered(lines);
        assertThat(verdict.kind()).isEqualTo(Kind.REORDERED);
        assertThat(verdict.line()).isEqualTo(5);
        assertThat(verdict.seq()).hasValue(5);
    }

    @Test
    void tornLastLine_isTruncatedAtThatLine() {
        List<String> lines = copy();
        String last = lines.remove(lines.size() - 1);
        AuditFixture.write(fx.log, String.join("\n", lines) + "\n" + last.substring(0, 40));
        AuditVerdict verdict = fx.verify();
        assertThat(verdict.kind()).isEqualTo(Kind.TRUNCATED);
        assertThat(verdict.line()).isEqualTo(original.size());
        assertThat(verdict.reason()).contains("torn");
    }

    @Test
    void wholeRecordsCutFromTheEnd_areOnlySeenWithACloseRequirementOrAnAnchor() {
        ChainAnchor anchor = sink.lastWritten().orElseThrow();
        assertThat(anchor.seq()).isEqualTo(original.size() - 1);
        List<String> lines = copy();
        lines.subList(lines.size() - 2, lines.size()).clear();
        writeLines(fx.log, lines);

        AuditVerdict plain = fx.verify();
        assertThat(plain.kind()).isEqualTo(Kind.OK);
        assertThat(plain.closed()).isFalse();

        AuditVerdict mustClose =
                fx.verifierWithBothKeys().requireClose(true).build().verifyChain(fx.log);
        assertThat(mustClose.kind()).isEqualTo(Kind.TRUNCATED);
        assertThat(mustClose.line()).isEqualTo(lines.size() + 1);

        AuditVerdict anchored =
                fx.verifierWithBothKeys().expectLast(anchor).build().verifyChain(fx.log);
        assertThat(anchored.kind()).isEqualTo(Kind.TRUNCATED);
        assertThat(anchored.seq()).hasValue(anchor.seq() - 1);
        assertThat(anchored.reason()).contains("anchor says seq " + anchor.seq());
    }

    @Test
    void anAnchorWhoseHashDiffers_isAltered() {
        ChainAnchor forged = new ChainAnchor(3, "ab".repeat(32));
        AuditVerdict verdict =
                fx.verifierWithBothKeys().expectLast(forged).build().verifyChain(fx.log);
        assertThat(verdict.kind()).isEqualTo(Kind.ALTERED);
        assertThat(verdict.line()).isEqualTo(4);
    }

    @Test
    void wrongKey_isBadKeyAtTheFirstRecord() {
        AuditVerdict verdict = AuditChainVerifier.builder()
                .key("1", "not-the-key-that-signed-it".getBytes(StandardCharsets.UTF_8))
                .build()
                .verifyChain(fx.log);
        assertThat(verdict.kind()).isEqualTo(Kind.BAD_KEY);
        assertThat(verdict.line()).isEqualTo(1);
        assertThat(verdict.seq()).hasValue(0);
    }

    @Test
    void keyForAnotherVersionOnly_isUnknownKeyVersion() {
        AuditVerdict verdict = AuditChainVerifier.builder()
                .key("2", AuditFixture.KEY_V1.getBytes(StandardCharsets.UTF_8))
                .build()
                .verifyChain(fx.log);
        assertThat(verdict.kind()).isEqualTo(Kind.UNKNOWN_KEY_VERSION);
        assertThat(verdict.line()).isEqualTo(1);
    }

    @Test
    void aLineThatIsNotARecord_isMalformed() {
        List<String> lines = copy();
        lines.set(2, "{\"seq\":2,\"note\":\"hand-written\"}");
        AuditVerdict verdict = tampered(lines);
        assertThat(verdict.kind()).isEqualTo(Kind.MALFORMED);
        assertThat(verdict.line()).isEqualTo(3);

        lines.set(2, original.get(2).replace("\"mac\":\"", "\"mac\" : \""));
        assertThat(tampered(lines).kind()).isEqualTo(Kind.MALFORMED);
    }

    // ---- the command line: one exit status per verdict

    private int run(String... args) {
        return AuditChainVerifier.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private String keyArg(String version, String key) throws Exception {
        Path file = tmp.resolve("key-" + version + "-" + Math.abs(key.hashCode()));
        Files.writeString(file, key + "\n");
        return version + "=" + file;
    }

    @Test
    void main_exitsZeroAndPrintsOk_forAnIntactChain() throws Exception {
        assertThat(run("--key", keyArg("1", AuditFixture.KEY_V1), fx.log.toString()))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("OK: ").contains("closed cleanly");
        assertThat(run(
                        "--key",
                        keyArg("1", AuditFixture.KEY_V1),
                        "--require-close",
                        fx.log.getParent().toString()))
                .isZero();
    }

    @Test
    void main_exitStatuses_perVerdict() throws Exception {
        String key = keyArg("1", AuditFixture.KEY_V1);
        String log = fx.log.toString();

        List<String> lines = copy();
        lines.set(4, lines.get(4).replace("\"REFRESH_FAILED\"", "\"ROTATED\""));
        writeLines(fx.log, lines);
        assertThat(run("--key", key, log)).isEqualTo(3);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("ALTERED at audit.jsonl line 5 (seq 4)");

        lines = copy();
        lines.add(6, original.get(2));
        writeLines(fx.log, lines);
        assertThat(run("--key", key, log)).isEqualTo(4);

        lines = copy();
        lines.remove(3);
        writeLines(fx.log, lines);
        assertThat(run("--key", key, log)).isEqualTo(5);

        lines = copy();
        Collections.swap(lines, 4, 5);
        writeLines(fx.log, lines);
        assertThat(run("--key", key, log)).isEqualTo(6);

        writeLines(fx.log, original);
        assertThat(run("--key", key, "--expect-last-seq", Integer.toString(original.size() + 5), log))
                .isEqualTo(7);
        assertThat(run("--key", keyArg("1", "a-wrong-key-of-some-length"), log)).isEqualTo(8);
        assertThat(run("--key", keyArg("7", AuditFixture.KEY_V1), log)).isEqualTo(9);

        lines = copy();
        lines.set(2, "not json at all");
        writeLines(fx.log, lines);
        assertThat(run("--key", key, log)).isEqualTo(10);
    }

    @Test
    void main_usageAndReadErrors_exitTwo() throws Exception {
        assertThat(run(fx.log.toString())).isEqualTo(2);
        assertThat(run("--key", keyArg("1", AuditFixture.KEY_V1))).isEqualTo(2);
        assertThat(run("--key", "1=" + tmp.resolve("no-such-key"), fx.log.toString()))
                .isEqualTo(2);
        assertThat(run("--key", keyArg("1", AuditFixture.KEY_V1), "--bogus", fx.log.toString()))
                .isEqualTo(2);
        assertThat(run(
                        "--key",
                        keyArg("1", AuditFixture.KEY_V1),
                        tmp.resolve("missing.jsonl").toString()))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage:");
    }

    @Test
    void main_putsOneChainsFilesInSegmentOrder_whateverOrderTheyAreGiven() throws Exception {
        fx.delete(fx.log);
        ChainedAuditFile rolling = fx.open(b -> b.maxSize(1024));
        fx.events(40);
        rolling.close();
        List<Path> files = new ArrayList<>(fx.segments());
        assertThat(files.size()).isGreaterThan(10); // so that name order (.1, .10, .2) differs from segment order
        Collections.reverse(files);
        List<String> args = new ArrayList<>(List.of("--key", keyArg("1", AuditFixture.KEY_V1)));
        files.forEach(f -> args.add(f.toString()));
        assertThat(run(args.toArray(String[]::new))).isZero();
    }
}
