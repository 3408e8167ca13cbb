package dev.rotor.secrets.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A certificate version is checked before it is served: expired, not yet valid (on the manual clock), a key of another
 * certificate, a chain that breaks. Each is refused with a typed error naming the ref; through the engine the version
 * in service stays and the REJECTED event says why, without the key.
 */
class CertificateValidationTest {
    private static final String REF = "mem:pki/api";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant t0 = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final TestPki.Issued ca =
            TestPki.ca("Rotor Test CA", t0.minus(Duration.ofDays(10)), t0.plus(Duration.ofDays(365)));
    private Secrets secrets;

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
    }

    private Secrets.Builder client() {
        return Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(events);
    }

    private TestPki.Issued leaf(Instant notBefore, Instant notAfter) {
        return TestPki.leaf(ca, "api", notBefore, notAfter);
    }

    private TestPki.Issued current() {
        return leaf(t0.minus(Duration.ofDays(1)), t0.plus(Duration.ofDays(90)));
    }

    private static Secret secret(Map<String, String> fields) {
        return Secret.builder(SecretRef.parse(REF))
                .version("1")
                .fetchedAt(Instant.EPOCH)
                .fields(fields)
                .build();
    }

    @Test
    void expiredCertificate_isRefused_namingTheCertificateAndWhenItExpired() {
        TestPki.Issued expired = leaf(t0.minus(Duration.ofDays(91)), t0.minus(Duration.ofDays(1)));
        CertificateBundle b = CertificateBundle.from(secret(expired.kubernetes(ca)));
        assertThat(b.isValidAt(t0)).isFalse();
        assertThatThrownBy(() -> b.checkValidAt(t0))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("certificate 1 (CN=api, serial "
                        + expired.serial().toString(16) + ") expired at " + t0.minus(Duration.ofDays(1)))
                .hasMessageContaining("ref=" + REF);
    }

    @Test
    void notYetValidCertificate_isRefused_untilTheManualClockReachesItsNotBefore() {
        TestPki.Issued early = leaf(t0.plus(Duration.ofHours(1)), t0.plus(Duration.ofDays(90)));
        CertificateBundle b = CertificateBundle.from(secret(early.kubernetes(ca)));
        assertThatThrownBy(() -> b.checkValidAt(scheduler.clock().now()))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("is not valid before " + t0.plus(Duration.ofHours(1)));
        scheduler.advance(Duration.ofHours(2));
        assertThat(b.checkValidAt(scheduler.clock().now())).isSameAs(b);
    }

    @Test
    void keyOfAnotherCertificate_isRefused() {
        TestPki.Issued one = current();
        TestPki.Issued other = current();
        Map<String, String> fields = new HashMap<>(one.kubernetes(ca));
        fields.put("tls.key", other.pkcs8());
        assertThatThrownBy(() -> CertificateBundle.from(secret(fields)))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("private key does not match the leaf certificate (CN=api, serial "
                        + one.serial().toString(16) + ")")
                .hasMessageContaining("ref=" + REF);
        // an RSA key for an EC certificate, and the other way round
        Map<String, String> rsa = new HashMap<>(fields);
        rsa.put(
                "tls.key",
                TestPki.leaf(ca, "api", TestPki.rsa(), t0, t0.plusSeconds(60)).pkcs8());
        assertThatThrownBy(() -> CertificateBundle.from(secret(rsa)))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("private key does not match");
    }

    @Test
    void chainThatBreaks_isRefused_namingThePair() {
        TestPki.Issued issuing = TestPki.intermediate(
                ca, "Rotor Issuing CA", t0.minus(Duration.ofDays(1)), t0.plus(Duration.ofDays(100)));
        // another CA of the same name, with another key: the leaf names it as its issuer, but it did not sign the leaf
        TestPki.Issued impostor = TestPki.intermediate(
                ca, "Rotor Issuing CA", t0.minus(Duration.ofDays(1)), t0.plus(Duration.ofDays(100)));
        TestPki.Issued leaf = TestPki.leaf(issuing, "api", t0.minus(Duration.ofHours(1)), t0.plus(Duration.ofDays(30)));
        Map<String, String> fields =
                Map.of("tls.crt", TestPki.pem(leaf.certificate, impostor.certificate), "tls.key", leaf.pkcs8());
        assertThatThrownBy(() -> CertificateBundle.from(secret(fields)))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("chain breaks between certificate 1 and 2")
                .hasMessageContaining("is not signed by the key of certificate 2 (CN=Rotor Issuing CA)");
        TestPki.Issued unrelated =
                TestPki.ca("Some Other CA", t0.minus(Duration.ofDays(1)), t0.plus(Duration.ofDays(100)));
        Map<String, String> wrongIssuer = Map.of(
                "tls.crt",
                TestPki.pem(leaf.certificate, issuing.certificate, unrelated.certificate),
                "tls.key",
                leaf.pkcs8());
        assertThatThrownBy(() -> CertificateBundle.from(secret(wrongIssuer)))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("chain breaks between certificate 2 and 3")
                .hasMessageContaining("names issuer CN=Rotor Test CA, certificate 3 is CN=Some Other CA");
        // the good chain passes
        assertThat(CertificateBundle.from(secret(Map.of(
                                "tls.crt",
                                TestPki.pem(leaf.certificate, issuing.certificate),
                                "tls.key",
                                leaf.pkcs8())))
                        .chain())
                .hasSize(2);
    }

    @Test
    void throughTheEngine_eachBadVersionIsVetoed_theOldCertificateKeepsServing_andTheEventSaysWhy() {
        secrets = client().validator(REF, CertificateBundle.validator(scheduler.clock()))
                .build();
        TestPki.Issued good = current();
        String v1 = source.putFields("pki/api", good.kubernetes(ca));
        assertThat(secrets.get(REF).version()).isEqualTo(v1);

        TestPki.Issued expired = leaf(t0.minus(Duration.ofDays(91)), t0.minus(Duration.ofSeconds(1)));
        TestPki.Issued early = leaf(t0.plus(Duration.ofDays(1)), t0.plus(Duration.ofDays(91)));
        TestPki.Issued other = current();
        Map<String, String> mismatched = new HashMap<>(current().kubernetes(ca));
        mismatched.put("tls.key", other.pkcs8());
        List<Map<String, String>> bad = List.of(expired.kubernetes(ca), early.kubernetes(ca), mismatched);
        List<String> reasons = List.of("expired at", "is not valid before", "private key does not match");
        for (int i = 0; i < bad.size(); i++) {
            source.putFields("pki/api", bad.get(i));
            Throwable refused = catchThrowable(() -> secrets.refresh(REF));
            assertThat(refused).isInstanceOf(SecretRejectedException.class).hasMessageContaining(reasons.get(i));
            Secret served = secrets.get(REF);
            assertThat(served.version()).isEqualTo(v1);
            assertThat(CertificateBundle.from(served).serialNumber()).isEqualTo(good.serial());
            List<SecretEvent> rejected = events.ofType(SecretEventType.REJECTED);
            assertThat(rejected).hasSize(i + 1);
            SecretEvent ev = rejected.get(i);
            String reason = reasons.get(i);
            assertThat(ev.errorMessage()).hasValueSatisfying(m -> assertThat(m)
                    .contains("certificate check vetoed version", reason)
                    .doesNotContain("PRIVATE KEY"));
            assertThat(ev.toString()).doesNotContain(other.pkcs8().substring(40, 80));
        }
    }

    @Test
    void rotatingSslContext_withoutAnEngineValidator_refusesTheBadVersionItself_andKeepsPresentingTheOldOne() {
        secrets = client().build();
        TestPki.Issued good = current();
        source.putFields("pki/api", good.kubernetes(ca));
        try (RotatingSslContext tls =
                RotatingSslContext.builder(secrets).keyMaterial(REF).name("api").build()) {
            assertThat(tls.certificate()).hasValue(good.certificate);
            TestPki.Issued expired = leaf(t0.minus(Duration.ofDays(91)), t0.minus(Duration.ofSeconds(1)));
            source.putFields("pki/api", expired.kubernetes(ca));
            secrets.refresh(REF); // the engine takes it (nothing vetoes it there); the context refuses it
            assertThat(tls.certificate()).hasValue(good.certificate);
            assertThat(tls.keyMaterialBinding().orElseThrow().refused()).isEqualTo(1);
            assertThat(tls.keyMaterialBinding().orElseThrow().behind()).isTrue();
            SecretEvent handOver = events.ofType(SecretEventType.HANDED_OVER).get(0);
            assertThat(handOver.source()).hasValue("api");
            assertThat(handOver.detail()).hasValue("ssl-key-material");
            assertThat(handOver.errorMessage()).hasValueSatisfying(m -> assertThat(m)
                    .contains("SSLContext api (key material) refused version", "expired at"));

            TestPki.Issued next = current();
            source.putFields("pki/api", next.kubernetes(ca));
            secrets.refresh(REF);
            assertThat(tls.certificate()).hasValue(next.certificate);
            assertThat(tls.keyMaterialBinding().orElseThrow().handOvers()).isEqualTo(1);
        }
    }

    @Test
    void rotatingSslContext_cannotStartOnABadVersion_andSaysWhy() {
        secrets = client().build();
        TestPki.Issued expired = leaf(t0.minus(Duration.ofDays(91)), t0.minus(Duration.ofSeconds(1)));
        source.putFields("pki/api", expired.kubernetes(ca));
        assertThatThrownBy(() ->
                        RotatingSslContext.builder(secrets).keyMaterial(REF).build())
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("SSLContext tls cannot start on version")
                .hasMessageContaining("expired at")
                .hasMessageContaining("ref=" + REF);
    }

    @Test
    void trustValidator_refusesABundleWithoutAnyValidCa() {
        secrets = client().validator("mem:pki/ca", TrustBundle.validator(scheduler.clock()))
                .build();
        String v1 = source.putFields("pki/ca", Map.of("ca.crt", ca.certPem()));
        assertThat(secrets.get("mem:pki/ca").version()).isEqualTo(v1);
        TestPki.Issued old = TestPki.ca("Old CA", t0.minus(Duration.ofDays(400)), t0.minus(Duration.ofDays(35)));
        source.putFields("pki/ca", Map.of("ca.crt", old.certPem()));
        assertThat(catchThrowable(() -> secrets.refresh("mem:pki/ca")))
                .isInstanceOf(SecretRejectedException.class)
                .hasMessageContaining("no CA certificate of the 1 is valid now (the last one expired at");
        assertThat(secrets.get("mem:pki/ca").version()).isEqualTo(v1);
    }
}
