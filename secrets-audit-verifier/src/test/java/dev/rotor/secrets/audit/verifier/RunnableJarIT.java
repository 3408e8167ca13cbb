package dev.rotor.secrets.audit.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.audit.ChainedAuditFile;
import dev.rotor.secrets.file.FileSecretSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built jar, run as users run it: {@code java -jar rotor-audit-verifier.jar}. */
class RunnableJarIT {
    private static final String KEY = "jar-test-audit-key-0123456789";

    @TempDir
    Path tmp;

    private static final class Result {
        final int status;
        final String output;

        Result(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }

    private Result runJar(String... args) throws Exception {
        Path jar = Path.of(System.getProperty("verifier.jar"));
        assertThat(jar).exists();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the verifier finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.exitValue(), out);
    }

    private Path writeChain() throws IOException {
        Path keyFile = tmp.resolve("audit-key");
        Files.writeString(keyFile, KEY + "\n");
        Path log = tmp.resolve("audit.jsonl");
        try (Secrets secrets = Secrets.builder()
                .source(FileSecretSource.builder().watch(false).build())
                .discoverSources(false)
                .auditLog(false)
                .build()) {
            ChainedAuditFile audit = ChainedAuditFile.builder()
                    .path(log)
                    .key(secrets, "file:" + keyFile)
                    .maxSize(1024)
                    .build();
            secrets.addEventListener(audit);
            for (int i = 0; i < 6; i++) {
                Path s = tmp.resolve("secret-" + i);
                Files.writeString(s, "value-" + i);
                secrets.get("file:" + s);
            }
            audit.close();
        }
        return log;
    }

    @Test
    void theJar_verifiesAChain_andExitsWithTheVerdictsStatus() throws Exception {
        Path log = writeChain();
        Path keyFile = tmp.resolve("audit-key");

        Result ok = runJar("--key", "1=" + keyFile, "--require-close", log.toString());
        assertThat(ok.output).startsWith("OK: ");
        assertThat(ok.status).isZero();

        List<Path> files = new ArrayList<>();
        try (var segments = Files.list(tmp)) {
            segments.filter(f -> f.getFileName().toString().startsWith("audit.jsonl"))
                    .forEach(files::add);
        }
        assertThat(files).as("the chain rolled to segments").hasSizeGreaterThan(1);
        List<String> lines = new ArrayList<>(Files.readAllLines(log));
        int event = 0;
        while (!lines.get(event).contains("\"type\":\"event\"")) {
            event++;
        }
        lines.set(event, lines.get(event).replace("\"ref\":\"file:", "\"ref\":\"filx:"));
        Files.writeString(log, String.join("\n", lines) + "\n");
        Result altered = runJar("--key", "1=" + keyFile, log.toString());
        assertThat(altered.status).isEqualTo(3);
        assertThat(altered.output)
                .contains("ALTERED at audit.jsonl line " + (event + 1))
                .doesNotContain(KEY, "value-");

        Result usage = runJar(log.toString());
        assertThat(usage.status).isEqualTo(2);
    }
}
