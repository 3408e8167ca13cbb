package dev.rotor.secrets.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.LeakCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No key and no secret value in the audit file, the verifier's output, the logs or the errors. */
class AuditLeakTest {
    @TempDir
    Path tmp;

    @Test
    void neitherTheKeysNorAnyValue_appearInTheFileTheVerifierOrTheLogs() throws Exception {
        try (LeakCheck leaks = LeakCheck.builder()
                        .plant(AuditFixture.KEY_V1, AuditFixture.KEY_V2, AuditFixture.DB_PASSWORD)
                        .start();
                AuditFixture fx = new AuditFixture(tmp)) {
            fx.secrets.addEventListener(leaks);
            ChainedAuditFile sink = fx.open(b -> b.maxSize(2048));
            fx.events(5);
            fx.awaitWritten();
            fx.rotateKey();
            fx.events(5);
            sink.close();
            // a restart after a torn tail, and an unusable key: both log, neither may say too much
            Files.writeString(fx.log, "{\"seq\":", java.nio.file.StandardOpenOption.APPEND);
            ChainedAuditFile reopened = fx.open();
            reopened.close();

            List<String> contents = new ArrayList<>();
            for (Path f : fx.segments()) {
                contents.add(Files.readString(f, StandardCharsets.UTF_8));
            }
            assertThat(String.join("", contents)).contains("\"kv\":\"2\"");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Path k1 = tmp.resolve("k1");
            Path k2 = tmp.resolve("k2");
            Files.writeString(k1, AuditFixture.KEY_V1);
            Files.writeString(k2, AuditFixture.KEY_V2);
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            int ok = AuditChainVerifier.run(
                    new String[] {"--key", "1=" + k1, "--key", "2=" + k2, fx.log.toString()}, o, e);
            List<String> lines = AuditFixture.lines(fx.log);
            lines.set(1, lines.get(1).replace("\"seq\"", "\"seq\" "));
            AuditFixture.writeLines(fx.log, lines);
            int bad = AuditChainVerifier.run(new String[] {"--key", "1=" + k2, fx.log.toString()}, o, e);
            AuditFixture.write(fx.keyFile, "tiny");
            fx.secrets.refresh(fx.keyRef());
            Throwable tooShort = org.assertj.core.api.Assertions.catchThrowable(fx::open);

            assertThat(ok).isZero();
            assertThat(bad).isNotZero();
            assertThat(tooShort).isInstanceOf(AuditFileException.class);
            leaks.check(contents, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), tooShort);
            leaks.assertNoLeaks();
        }
    }
}
