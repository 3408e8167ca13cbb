package dev.rotor.secrets.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No private key (as PEM, as base64 lines, as the DER's base64) and no key password escapes the certificate support:
 * every refusal path is driven (wrong password, expired, a key of another certificate, a broken chain, malformed PEM,
 * a write in progress in a mounted directory) with the engine's and the context's events, every log line down to
 * TRACE, standard output and error, the exceptions and the {@code toString()} of every type captured by {@link
 * LeakCheck}.
 */
class CertificateLeakTest {
    private static final String REF = "mem:pki/api";
    private static final String PASSWORD = "pw-Zq8mWv3nRt";

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant t0 = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final TestPki.Issued ca =
            TestPki.ca("Rotor Test CA", t0.minus(Duration.ofDays(10)), t0.plus(Duration.ofDays(365)));

    /** The key's base64 body, and each of its lines: any one of them in a log is a leak. */
    private static List<String> secretsOf(String pem) {
        List<String> out = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (String line : pem.split("\n")) {
            if (!line.startsWith("-----") && !line.isBlank()) {
                out.add(line.strip());
                body.append(line.strip());
            }
        }
        out.add(body.toString());
        return out;
    }

    @Test
    void everyRefusalPath_leaksNoKeyAndNoPassword() throws Exception {
        TestPki.Issued good = TestPki.leaf(ca, "api", t0.minus(Duration.ofDays(1)), t0.plus(Duration.ofDays(90)));
        TestPki.Issued other = TestPki.leaf(ca, "api", t0.minus(Duration.ofDays(1)), t0.plus(Duration.ofDays(90)));
        TestPki.Issued expired = TestPki.leaf(ca, "api", t0.minus(Duration.ofDays(91)), t0.minus(Duration.ofDays(1)));
        String encrypted = good.encrypted(PASSWORD.toCharArray());
        List<String> planted = new ArrayList<>();
        planted.add(PASSWORD);
        for (TestPki.Issued i : List.of(good, other, expired)) {
            planted.addAll(secretsOf(i.pkcs8()));
            planted.addAll(secretsOf(i.traditional()));
        }
        planted.addAll(secretsOf(encrypted));

        try (LeakCheck leaks =
                LeakCheck.builder().plant(planted.toArray(new String[0])).start()) {
            Map<String, String> v1 = new HashMap<>(good.kubernetes(ca));
            v1.put("tls.key", encrypted);
            source.putFields("pki/api", v1);
            source.put("pki/password", PASSWORD);
            try (Secrets secrets = Secrets.builder()
                    .source(source)
                    .source(FileSecretSource.builder().watch(false).build())
                    .discoverSources(false)
                    .scheduler(scheduler)
                    .executor(ManualScheduler.directExecutor())
                    .eventListener(leaks)
                    .validator("mem:pki/vetted", CertificateBundle.validator(scheduler.clock()))
                    .build()) {
                RotatingSslContext tls = RotatingSslContext.builder(secrets)
                        .keyMaterial(REF)
                        .keyPassword("mem:pki/password")
                        .name("api")
                        .onHandOver(leaks::check)
                        .build();
                Secret first = secrets.get(REF);
                leaks.check(tls, tls.keyManager(), tls.trustManager(), tls.sslContext(), first, secrets.inventory());
                // wrong password, without the context
                leaks.check(catchThrowable(() -> CertificateBundle.from(first, "wrong".toCharArray())));
                leaks.check(catchThrowable(() -> CertificateBundle.from(first)));

                // the context refuses: expired, a key of another certificate, a broken chain, malformed PEM
                Map<String, String> mismatched = new HashMap<>(good.kubernetes(ca));
                mismatched.put("tls.key", other.traditional());
                Map<String, String> broken = new HashMap<>(good.kubernetes(ca));
                broken.put("tls.crt", TestPki.pem(good.certificate, other.certificate));
                Map<String, String> malformed = new HashMap<>(good.kubernetes(ca));
                malformed.put(
                        "tls.key",
                        "-----BEGIN PRIVATE KEY-----\n"
                                + secretsOf(other.pkcs8()).get(0) + "\n-----END PRIVATE KEY-----\n");
                for (Map<String, String> bad : List.of(expired.kubernetes(ca), mismatched, broken, malformed)) {
                    source.putFields("pki/api", bad);
                    secrets.refresh(REF);
                    leaks.check(tls, tls.keyMaterialBinding().orElseThrow(), secrets.inventory());
                }
                assertThat(tls.keyMaterialBinding().orElseThrow().refused()).isEqualTo(4);

                // the engine's validator vetoes the same versions
                for (Map<String, String> bad : List.of(expired.kubernetes(ca), mismatched, broken, malformed)) {
                    source.putFields("pki/vetted", bad);
                    leaks.check(catchThrowable(() -> secrets.refresh("mem:pki/vetted")), secrets.inventory());
                }
                for (Map<String, String> bad : List.of(mismatched, malformed)) {
                    leaks.check(catchThrowable(
                            () -> CertificateBundle.from(Secret.builder(dev.rotor.secrets.SecretRef.parse(REF))
                                    .version("9")
                                    .fetchedAt(t0)
                                    .fields(bad)
                                    .build())));
                }

                // a mounted directory with a write in progress, and one that does not parse
                MountedSecretDirectory mount = MountedSecretDirectory.in(tmp.resolve("tls"));
                mount.write(mismatched);
                leaks.check(catchThrowable(() -> secrets.get("file:" + mount.dir() + "?format=tls")));
                MountedSecretDirectory junk = MountedSecretDirectory.in(tmp.resolve("junk"));
                junk.write(Map.of("tls.crt", other.pkcs8(), "tls.key", other.pkcs8()));
                leaks.check(catchThrowable(() -> secrets.get("file:" + junk.dir() + "?format=tls")));
                leaks.check(secrets.inventory());
                tls.close();
            }
        }
    }
}
