package dev.rotor.secrets.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.security.KeyManagementException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The live parts for code that installs versions itself (the starter's SSL bundles): the key manager presents the
 * version installed last, the trust manager keeps a dropped CA for the overlap, the context cannot be re-initialised.
 */
class SwitchingSslContextTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant t0 = scheduler.clock().now();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    // wide windows: the trust manager's PKIX checks run on the system clock
    private final Instant from = t0.minus(Duration.ofDays(30));
    private final Instant until = Instant.now().plus(Duration.ofDays(365));
    private final TestPki.Issued ca1 = TestPki.ca("Rotor CA 1", from, until);
    private final TestPki.Issued ca2 = TestPki.ca("Rotor CA 2", from, until);
    private final Secrets secrets = Secrets.builder()
            .source(source)
            .discoverSources(false)
            .scheduler(scheduler)
            .executor(ManualScheduler.directExecutor())
            .build();

    @AfterEach
    void close() {
        secrets.close();
    }

    private CertificateBundle key(TestPki.Issued leaf, TestPki.Issued ca) {
        source.putFields("pki/api", leaf.kubernetes(ca));
        return CertificateBundle.from(secrets.refresh("mem:pki/api"));
    }

    private TrustBundle trust(TestPki.Issued ca) {
        source.putFields("pki/ca", Map.of("ca.crt", ca.certPem()));
        return TrustBundle.from(secrets.refresh("mem:pki/ca"));
    }

    private static void trusts(X509ExtendedTrustManager tm, TestPki.Issued leaf) throws CertificateException {
        tm.checkServerTrusted(new X509Certificate[] {leaf.certificate}, "ECDHE_ECDSA");
    }

    @Test
    void keyManager_presentsTheVersionInstalledLast() {
        SwitchingSslContext live = SwitchingSslContext.create("TLS", scheduler.clock(), Duration.ofHours(1), false);
        assertThat(live.keyManager().chooseServerAlias("EC", null, null)).isNull();
        TestPki.Issued one = TestPki.leaf(ca1, "api", from, until);
        TestPki.Issued two = TestPki.leaf(ca1, "api", from, until);
        live.install(key(one, ca1), null);
        String first = live.keyManager().chooseServerAlias("EC", null, null);
        assertThat(live.keyManager().getCertificateChain(first)[0]).isEqualTo(one.certificate);
        live.install(key(two, ca1), null);
        String second = live.keyManager().chooseServerAlias("EC", null, null);
        assertThat(live.keyManager().getCertificateChain(second)[0]).isEqualTo(two.certificate);
        assertThat(live.toString()).doesNotContain("PRIVATE");
    }

    @Test
    void trust_aDroppedCaStaysTrustedForTheOverlap_thenNotAnyMore() throws Exception {
        SwitchingSslContext live = SwitchingSslContext.create("TLS", scheduler.clock(), Duration.ofHours(1), true);
        TestPki.Issued leaf1 = TestPki.leaf(ca1, "api", from, until);
        TestPki.Issued leaf2 = TestPki.leaf(ca2, "api", from, until);
        live.install(key(leaf1, ca1), trust(ca1));
        X509ExtendedTrustManager tm = live.trustManager();
        trusts(tm, leaf1);
        assertThatThrownBy(() -> trusts(tm, leaf2)).isInstanceOf(CertificateException.class);

        live.install(key(leaf2, ca2), trust(ca2)); // CA 1 dropped at once
        trusts(tm, leaf2);
        trusts(tm, leaf1);
        scheduler.advance(Duration.ofMinutes(61));
        assertThatThrownBy(() -> trusts(tm, leaf1)).isInstanceOf(CertificateException.class);
        trusts(tm, leaf2);
    }

    @Test
    void sslContext_cannotBeInitialisedAgain_andAnUnknownProtocolFailsNamingIt() {
        SwitchingSslContext live = SwitchingSslContext.create("TLS", scheduler.clock(), Duration.ZERO, false);
        assertThatThrownBy(() -> live.sslContext().init(null, null, null)).isInstanceOf(KeyManagementException.class);
        assertThatThrownBy(() -> SwitchingSslContext.create("TLSv9", scheduler.clock(), Duration.ZERO, false))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("TLSv9");
        assertThatThrownBy(() -> SwitchingSslContext.create("TLS", scheduler.clock(), Duration.ofSeconds(-1), true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
