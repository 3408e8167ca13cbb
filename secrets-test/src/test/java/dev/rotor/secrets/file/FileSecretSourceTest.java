package dev.rotor.secrets.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSecretSourceTest {
    private static final String PLANTED = "PLANTEDs3cr3t7f3a";

    @TempDir
    Path tmp;

    private final FileSecretSource source = FileSecretSource.create();

    private Secret fetch(String ref) {
        return fetch(source, ref);
    }

    private static Secret fetch(FileSecretSource source, String ref) {
        return source.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(tmp.resolve(name), content);
    }

    private static String ref(Path path) {
        return "file:" + path;
    }

    // ---- formats ----

    @Test
    void rawFile_isTheWholeContentLessOneTrailingNewline() throws IOException {
        Path f = write("password", "s3cr3t\n\n");

        Secret s = fetch(ref(f));

        assertThat(s.hasRawValue()).isTrue();
        assertThat(s.value()).isEqualTo("s3cr3t\n");
        assertThat(s.version()).isEqualTo("1");
        assertThat(s.ref()).isEqualTo(SecretRef.parse(ref(f)));
    }

    @Test
    void rawFile_stripsACarriageReturnLineFeed() throws IOException {
        Path f = write("token", "abc\r\n");

        assertThat(fetch(ref(f)).value()).isEqualTo("abc");
    }

    @Test
    void rawFile_keepsBinaryBytesAsTheyAre() throws IOException {
        byte[] bytes = {(byte) 0xff, 0x00, (byte) 0xc3, 0x28, 0x7f};
        Path f = Files.write(tmp.resolve("keystore.p12"), bytes);

        assertThat(fetch(ref(f)).bytes()).containsExactly(bytes);
    }

    @Test
    void jsonFile_byExtension_scalarMembersBecomeFields() throws IOException {
        Path f = write(
                "db.json", "{\"username\":\"app\",\"password\":\"pw\",\"port\":5432,\"ratio\":1.50,\"tls\":true}");

        Secret s = fetch(ref(f));

        assertThat(s.hasRawValue()).isFalse();
        assertThat(s.fields())
                .containsExactly(
                        Map.entry("username", "app"),
                        Map.entry("password", "pw"),
                        Map.entry("port", "5432"),
                        Map.entry("ratio", "1.50"),
                        Map.entry("tls", "true"));
    }

    @Test
    void jsonFile_nestedObject_isAFormatErrorNamingTheMember() throws IOException {
        Path f = write("db.json", "{\"username\":\"app\",\"extra\":{\"password\":\"" + PLANTED + "\"}}");

        SecretFormatException e = catchThrowableOfType(SecretFormatException.class, () -> fetch(ref(f)));

        assertThat(e).hasMessageContaining("'extra'").hasMessageContaining("nested");
        assertNoLeak(e);
    }

    @Test
    void jsonFile_arrayOrNullMember_isAFormatError() throws IOException {
        Path array = write("a.json", "{\"hosts\":[\"a\",\"b\"]}");
        Path nul = write("n.json", "{\"password\":null}");

        assertThatThrownBy(() -> fetch(ref(array))).isInstanceOf(SecretFormatException.class);
        assertThatThrownBy(() -> fetch(ref(nul)))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("null");
    }

    @Test
    void jsonFile_topLevelNotAnObject_isAFormatError() throws IOException {
        Path f = write("list.json", "[\"" + PLANTED + "\"]");

        SecretFormatException e = catchThrowableOfType(SecretFormatException.class, () -> fetch(ref(f)));

        assertThat(e).hasMessageContaining("not a JSON object");
        assertNoLeak(e);
    }

    @Test
    void malformedJson_messageNamesRefAndSource_andNeverTheContent() throws IOException {
        // An unquoted token that starts like 'true': the parser's own message quotes the whole token.
        Path f = write("db.json", "{\"username\":\"app\",\"password\":t" + PLANTED + "}");

        SecretFormatException e = catchThrowableOfType(SecretFormatException.class, () -> fetch(ref(f)));

        assertThat(e.getMessage())
                .contains("not valid JSON")
                .contains("ref=" + ref(f))
                .contains("source=file");
        assertThat(e.isRetryable()).isFalse();
        assertNoLeak(e);
    }

    @Test
    void truncatedJson_isAFormatError_withoutTheContent() throws IOException {
        Path f = write("db.json", "{\"password\":\"" + PLANTED);

        SecretFormatException e = catchThrowableOfType(SecretFormatException.class, () -> fetch(ref(f)));

        assertNoLeak(e);
    }

    @Test
    void jsonWithDuplicateMember_isAFormatError_withoutTheContent() throws IOException {
        Path f = write("db.json", "{\"password\":\"a\",\"password\":\"" + PLANTED + "\"}");

        SecretFormatException e = catchThrowableOfType(SecretFormatException.class, () -> fetch(ref(f)));

        assertNoLeak(e);
    }

    @Test
    void propertiesFile_byExtension_keysBecomeFieldsInNameOrder() throws IOException {
        Path f = write("db.properties", "# comment\npassword=p\\u00e4ss\nusername = app\n");

        Secret s = fetch(ref(f));

        assertThat(s.fields()).containsExactly(Map.entry("password", "päss"), Map.entry("username", "app"));
    }

    @Test
    void propertiesFile_isReadAsUtf8() throws IOException {
        Path f = write("db.properties", "password=päss€\n");

        assertThat(fetch(ref(f)).field("password")).contains("päss€");
    }

    @Test
    void malformedProperties_isAFormatError_withoutTheContent() throws IOException {
        Path f = write("db.properties", "password=" + PLANTED + "\\uZZZZ\n");

        SecretFormatException e = catchThrowableOfType(SecretFormatException.class, () -> fetch(ref(f)));

        assertThat(e).hasMessageContaining("not a valid properties file");
        assertNoLeak(e);
    }

    @Test
    void formatParameter_overridesTheExtension() throws IOException {
        Path json = write("db.json", "{\"password\":\"pw\"}\n");
        Path txt = write("db.txt", "password=pw\n");

        assertThat(fetch(ref(json) + "?format=raw").value()).isEqualTo("{\"password\":\"pw\"}");
        assertThat(fetch(ref(txt) + "?format=properties").fields()).containsExactly(Map.entry("password", "pw"));
        assertThatThrownBy(() -> fetch(ref(txt) + "?format=json")).isInstanceOf(SecretFormatException.class);
    }

    @Test
    void unknownFormat_isAConfigurationError() throws IOException {
        Path f = write("db.txt", "x");

        assertThatThrownBy(() -> fetch(ref(f) + "?format=yaml"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("unknown format 'yaml'");
    }

    @Test
    void declaresTheFormatParameterAndTheVersionProbe() {
        assertThat(source.parameters()).containsExactly("format");
        assertThat(source.capabilities()).containsExactly(SourceCapability.PROBE_VERSION);
        assertThat(source.scheme()).isEqualTo("file");
    }

    // ---- directories ----

    @Test
    void directory_eachVisibleRegularFileIsAField_hiddenEntriesAndSubdirectoriesSkipped() throws IOException {
        write("username", "app\n");
        write("password", "pw");
        write(".hidden", "nope");
        Files.createDirectories(tmp.resolve("nested"));
        Files.writeString(tmp.resolve("nested/inner"), "nope");

        Secret s = fetch(ref(tmp));

        assertThat(s.fields()).containsExactly(Map.entry("password", "pw"), Map.entry("username", "app"));
    }

    @Test
    void directory_withAFormatOtherThanRaw_isAConfigurationError() throws IOException {
        write("password", "pw");

        assertThatThrownBy(() -> fetch(ref(tmp) + "?format=json"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("directory");
    }

    @Test
    void directory_withoutVisibleFiles_isNotFound() throws IOException {
        write(".only-hidden", "x");

        assertThatThrownBy(() -> fetch(ref(tmp))).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void directory_nonUtf8File_isAFormatErrorNamingTheFile() throws IOException {
        Files.write(tmp.resolve("cert"), new byte[] {(byte) 0xc3, 0x28});

        assertThatThrownBy(() -> fetch(ref(tmp)))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("'cert'")
                .hasMessageContaining("UTF-8");
    }

    @Test
    void kubernetesMount_directoryRef_readsThroughDataLink_andSeesTheAtomicSwap() {
        MountedSecretDirectory mount =
                MountedSecretDirectory.in(tmp).write(Map.of("username", "app", "password", "pw-1"));

        Secret v1 = fetch(ref(tmp));
        mount.write(Map.of("username", "app", "password", "pw-2"));
        Secret v2 = fetch(ref(tmp));

        assertThat(v1.fields()).containsExactly(Map.entry("password", "pw-1"), Map.entry("username", "app"));
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v2.fields()).containsExactly(Map.entry("password", "pw-2"), Map.entry("username", "app"));
        assertThat(v2.version()).isEqualTo("2");
    }

    @Test
    void kubernetesMount_singleFileRef_followsTheSymlinks() {
        MountedSecretDirectory mount =
                MountedSecretDirectory.in(tmp).write(Map.of("username", "app", "password", "pw-1"));
        String password = ref(tmp.resolve("password"));

        assertThat(fetch(password).value()).isEqualTo("pw-1");
        mount.write(Map.of("username", "app", "password", "pw-2"));
        Secret v2 = fetch(password);

        assertThat(v2.value()).isEqualTo("pw-2");
        assertThat(v2.version()).isEqualTo("2");
    }

    @Test
    void kubernetesMount_swapDuringTheRead_isRetried_andNeverMixesGenerations() {
        MountedSecretDirectory mount =
                MountedSecretDirectory.in(tmp).write(Map.of("username", "user-1", "password", "pw-1"));
        FileSecretSource s = FileSecretSource.create();
        AtomicInteger reads = new AtomicInteger();
        s.afterRead(() -> {
            if (reads.incrementAndGet() == 1) {
                mount.write(Map.of("username", "user-2", "password", "pw-2"));
            }
        });

        Secret secret = fetch(s, ref(tmp));

        assertThat(reads).hasValue(2);
        assertThat(secret.fields()).containsExactly(Map.entry("password", "pw-2"), Map.entry("username", "user-2"));
        assertThat(secret.version()).isEqualTo("1");
    }

    // ---- versions ----

    @Test
    void version_incrementsOnlyWhenTheContentChanges() throws IOException {
        Path f = write("password", "a");

        assertThat(fetch(ref(f)).version()).isEqualTo("1");
        assertThat(fetch(ref(f)).version()).isEqualTo("1");
        write("password", "a"); // rewritten, same content: a new modification time only
        assertThat(fetch(ref(f)).version()).isEqualTo("1");
        write("password", "b");
        assertThat(fetch(ref(f)).version()).isEqualTo("2");
        write("password", "a"); // back to earlier content is still a change
        assertThat(fetch(ref(f)).version()).isEqualTo("3");
    }

    @Test
    void version_isACounter_neverDerivedFromTheValue() throws IOException {
        Path one = write("one", "same value");
        Path two = write("two", "other value");

        assertThat(fetch(ref(one)).version()).isEqualTo("1");
        assertThat(fetch(ref(two)).version()).isEqualTo("1");
    }

    @Test
    void probeVersion_answersTheCurrentVersion_andCountsAChangeWithoutAFetch() throws IOException {
        Path f = write("password", "a");
        SecretRef ref = SecretRef.parse(ref(f));

        assertThat(source.probeVersion(ref)).contains("1");
        assertThat(fetch(ref(f)).version()).isEqualTo("1");
        assertThat(source.probeVersion(ref)).contains("1");
        write("password", "b");
        assertThat(source.probeVersion(ref)).contains("2");
        assertThat(source.probeVersion(ref)).contains("2");
        assertThat(fetch(ref(f)).version()).isEqualTo("2");
    }

    @Test
    void probeVersion_ofAMissingFile_isNotFound() {
        assertThatThrownBy(() -> source.probeVersion(SecretRef.parse(ref(tmp.resolve("missing")))))
                .isInstanceOf(SecretNotFoundException.class);
    }

    // ---- half-written files ----

    @Test
    void fileChangingDuringTheRead_isReadAgain_andTheHalfWrittenContentNeverBecomesAVersion() throws IOException {
        Path f = write("db.json", "{\"password\":\"pw");
        FileSecretSource s = FileSecretSource.create();
        AtomicInteger reads = new AtomicInteger();
        s.afterRead(() -> {
            if (reads.incrementAndGet() == 1) {
                append(f, "\"}");
            }
        });

        Secret secret = fetch(s, ref(f));

        assertThat(reads).hasValue(2);
        assertThat(secret.field("password")).contains("pw");
        assertThat(secret.version()).isEqualTo("1");
        assertThat(s.probeVersion(SecretRef.parse(ref(f)))).contains("1");
    }

    @Test
    void fileThatKeepsChanging_isUnavailable_afterABoundedNumberOfReads() throws IOException {
        Path f = write("password", "p");
        FileSecretSource s = FileSecretSource.create();
        AtomicInteger reads = new AtomicInteger();
        s.afterRead(() -> {
            reads.incrementAndGet();
            append(f, "x");
        });

        SourceUnavailableException e = catchThrowableOfType(SourceUnavailableException.class, () -> fetch(s, ref(f)));

        assertThat(e.isRetryable()).isTrue();
        assertThat(e).hasMessageContaining("changing").hasMessageContaining("source=file");
        assertThat(reads).hasValue(FileSecretSource.READ_ATTEMPTS);
    }

    @Test
    void emptyFile_isTakenForAWriteInProgress_andIsRetryable() throws IOException {
        Path f = write("password", "");

        SourceUnavailableException e = catchThrowableOfType(SourceUnavailableException.class, () -> fetch(ref(f)));

        assertThat(e.isRetryable()).isTrue();
        assertThat(e).hasMessageContaining("empty");
    }

    // ---- errors ----

    @Test
    void oversizedFile_isAFormatError() throws IOException {
        FileSecretSource small = FileSecretSource.builder().maxFileSize(8).build();
        Path ok = write("ok", "12345678");
        Path big = write("big", "123456789");

        assertThat(fetch(small, ref(ok)).value()).isEqualTo("12345678");
        assertThatThrownBy(() -> fetch(small, ref(big)))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("larger than the limit of 8 bytes");
    }

    @Test
    void oversizedFile_defaultLimitIsOneMebibyte() throws IOException {
        Path big = Files.write(tmp.resolve("big"), new byte[1024 * 1024 + 1]);

        assertThat(source.maxFileSize()).isEqualTo(1024 * 1024);
        assertThatThrownBy(() -> fetch(ref(big))).isInstanceOf(SecretFormatException.class);
    }

    @Test
    void oversizedDirectory_countsAllFilesTogether() throws IOException {
        FileSecretSource small = FileSecretSource.builder().maxFileSize(8).build();
        write("a", "12345");
        write("b", "12345");

        assertThatThrownBy(() -> fetch(small, ref(tmp)))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("directory is larger");
    }

    @Test
    void missingFile_isNotFound_namingTheRefAndTheSource() {
        String missing = ref(tmp.resolve("missing"));

        SecretNotFoundException e = catchThrowableOfType(SecretNotFoundException.class, () -> fetch(missing));

        assertThat(e.isRetryable()).isFalse();
        assertThat(e.ref()).contains(SecretRef.parse(missing));
        assertThat(e.source()).contains("file");
    }

    @Test
    void danglingSymlink_isNotFound() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("password"), tmp.resolve("gone"));

        assertThatThrownBy(() -> fetch(ref(link))).isInstanceOf(SecretNotFoundException.class);
    }

    @Test
    void unreadableFile_isAccessDenied() throws IOException {
        Path f = write("password", "pw");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(f), "running with a user that can read any file");

        assertThatThrownBy(() -> fetch(ref(f)))
                .isInstanceOf(SecretAccessDeniedException.class)
                .hasMessageContaining("source=file");
    }

    @Test
    void relativePath_isResolvedAgainstTheBaseDirectory() throws IOException {
        Files.createDirectories(tmp.resolve("app"));
        Files.writeString(tmp.resolve("app/token"), "t0k3n");
        FileSecretSource based = FileSecretSource.builder().baseDirectory(tmp).build();

        assertThat(fetch(based, "file:app/token").value()).isEqualTo("t0k3n");
        assertThat(based.baseDirectory()).isEqualTo(tmp.toAbsolutePath().normalize());
    }

    @Test
    void builder_rejectsANonPositiveSizeLimit_namingTheOption() {
        assertThatThrownBy(() -> FileSecretSource.builder().maxFileSize(0).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("maxFileSize");
    }

    @Test
    void secretToString_neverShowsTheValue() throws IOException {
        Path raw = write("password", PLANTED);
        Path json = write("db.json", "{\"password\":\"" + PLANTED + "\"}");

        assertThat(fetch(ref(raw)).toString()).doesNotContain(PLANTED);
        assertThat(fetch(ref(json)).toString()).doesNotContain(PLANTED).contains("password");
    }

    // ---- through the client ----

    @Test
    void unknownParameter_isRejectedBySecrets_beforeAnyRead() throws IOException {
        Path f = write("password", "pw");
        try (Secrets secrets =
                Secrets.builder().source(source).discoverSources(false).build()) {
            assertThatThrownBy(() -> secrets.get(ref(f) + "?bogus=1"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("unknown parameter 'bogus'");
        }
    }

    @Test
    void fileSource_isFoundThroughServiceLoader() throws IOException {
        Path f = write("db.json", "{\"password\":\"pw\"}");
        try (Secrets secrets = Secrets.builder().build()) {
            assertThat(secrets.value(ref(f) + "#password")).isEqualTo("pw");
        }
    }

    private static void append(Path f, String text) {
        try {
            Files.write(f, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The planted value appears nowhere in the exception: message, toString, causes, stack trace. */
    private static void assertNoLeak(SecretException e) {
        assertThat(e).isNotNull();
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(e.getMessage()).doesNotContain(PLANTED);
        assertThat(e.toString()).doesNotContain(PLANTED);
        assertThat(trace.toString()).doesNotContain(PLANTED);
    }
}
