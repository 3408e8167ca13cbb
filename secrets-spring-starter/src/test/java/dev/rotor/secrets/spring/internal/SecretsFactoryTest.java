package dev.rotor.secrets.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.spring.RotorProperties;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class SecretsFactoryTest {

    private static RotorProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values))
                .bind("rotor", RotorProperties.class)
                .orElseGet(RotorProperties::new);
    }

    @Test
    void refreshPolicy_noProperties_overridesNothing_soEachSourceKeepsItsOwnDefaults() {
        RefreshPolicy policy = SecretsFactory.refreshPolicy(new RotorProperties().getRefresh());
        assertThat(policy.overrides()).isEmpty();
        assertThat(policy.toString()).isEqualTo(RefreshPolicy.defaults().toString());
    }

    @Test
    void refreshPolicy_everyProperty_reachesThePolicy() {
        RotorProperties p = bind(Map.ofEntries(
                Map.entry("rotor.refresh.lease-fraction", "0.5"),
                Map.entry("rotor.refresh.lease-jitter", "0.05"),
                Map.entry("rotor.refresh.poll-interval", "2m"),
                Map.entry("rotor.refresh.poll-jitter", "0.2"),
                Map.entry("rotor.refresh.after-rotation-delay", "7s"),
                Map.entry("rotor.refresh.initial-backoff", "2s"),
                Map.entry("rotor.refresh.max-backoff", "1m"),
                Map.entry("rotor.refresh.expired-max-backoff", "3s"),
                Map.entry("rotor.refresh.min-backoff", "50ms"),
                Map.entry("rotor.refresh.attempts-before-expiry", "6"),
                Map.entry("rotor.refresh.max-in-flight-per-source", "3"),
                Map.entry("rotor.refresh.load-timeout", "9s"),
                Map.entry("rotor.refresh.revoke-delay", "4s"),
                Map.entry("rotor.refresh.wipe-delay", "11s")));
        RefreshPolicy policy = SecretsFactory.refreshPolicy(p.getRefresh());
        assertThat(policy.leaseFraction()).isEqualTo(0.5);
        assertThat(policy.leaseJitter()).isEqualTo(0.05);
        assertThat(policy.pollInterval()).isEqualTo(Duration.ofMinutes(2));
        assertThat(policy.pollJitter()).isEqualTo(0.2);
        assertThat(policy.afterRotationDelay()).isEqualTo(Duration.ofSeconds(7));
        assertThat(policy.initialBackoff()).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.maxBackoff()).isEqualTo(Duration.ofMinutes(1));
        assertThat(policy.expiredMaxBackoff()).isEqualTo(Duration.ofSeconds(3));
        assertThat(policy.minBackoff()).isEqualTo(Duration.ofMillis(50));
        assertThat(policy.attemptsBeforeExpiry()).isEqualTo(6);
        assertThat(policy.maxInFlightPerSource()).isEqualTo(3);
        assertThat(policy.loadTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(policy.revokeDelay()).isEqualTo(Duration.ofSeconds(4));
        assertThat(policy.wipeDelay()).isEqualTo(Duration.ofSeconds(11));
    }

    @Test
    void refreshPolicy_onlyThePropertiesSet_override() {
        RefreshPolicy policy = SecretsFactory.refreshPolicy(
                bind(Map.of("rotor.refresh.poll-interval", "2m")).getRefresh());
        assertThat(policy.overrides()).containsExactly("pollInterval");
    }

    @Test
    void refreshPolicy_outOfRange_failsNamingTheProperties() {
        assertThatThrownBy(() -> SecretsFactory.refreshPolicy(
                        bind(Map.of("rotor.refresh.lease-fraction", "1.5")).getRefresh()))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotor.refresh");
    }

    @Test
    void stalePolicy_eachMode_mapsToTheCorePolicy() {
        assertThat(SecretsFactory.stalePolicy(bind(Map.of()).getStale())).isSameAs(StalePolicy.strict());
        assertThat(SecretsFactory.stalePolicy(
                        bind(Map.of("rotor.stale.policy", "serve-stale")).getStale()))
                .isSameAs(StalePolicy.serveStale());
        StalePolicy bounded = SecretsFactory.stalePolicy(
                bind(Map.of("rotor.stale.policy", "serve-stale", "rotor.stale.max-staleness", "90s"))
                        .getStale());
        assertThat(bounded.maxStaleness()).contains(Duration.ofSeconds(90));
    }

    @Test
    void stalePolicy_zeroMaxStaleness_failsNamingTheProperty() {
        RotorProperties p = bind(Map.of("rotor.stale.policy", "serve-stale", "rotor.stale.max-staleness", "0s"));
        assertThatThrownBy(() -> SecretsFactory.stalePolicy(p.getStale()))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotor.stale.max-staleness");
    }

    @Test
    void declaration_badMaxAge_failsNamingTheIndex() {
        RotorProperties p = bind(Map.of("rotor.secrets[0].ref", "mem:a", "rotor.secrets[0].max-age", "-1s"));
        assertThatThrownBy(() -> SecretsFactory.declaration(0, p.getSecrets().get(0)))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotor.secrets[0]");
    }

    @Test
    void sourceGroups_bound_everyPropertyReadable() {
        RotorProperties p = bind(Map.ofEntries(
                Map.entry("rotor.vault.address", "https://127.0.0.1:8200"),
                Map.entry("rotor.vault.namespace", "team-a"),
                Map.entry("rotor.vault.connect-timeout", "2s"),
                Map.entry("rotor.vault.read-timeout", "7s"),
                Map.entry("rotor.vault.kv-versions.secret", "2"),
                Map.entry("rotor.vault.auth.method", "approle"),
                Map.entry("rotor.vault.auth.role-id", "app"),
                Map.entry("rotor.vault.auth.secret-id-ref", "file:/run/secrets/secret-id"),
                Map.entry("rotor.vault.auth.secret-id-wrapped", "true"),
                Map.entry("rotor.vault.tls.ca-certificate", "/etc/ssl/vault-ca.pem"),
                Map.entry("rotor.aws.region", "eu-west-1"),
                Map.entry("rotor.aws.endpoint", "http://127.0.0.1:4566"),
                Map.entry("rotor.aws.rotation-check-interval", "30s"),
                Map.entry("rotor.aws.describe-secrets", "false"),
                Map.entry("rotor.datasource.ref", "file:/run/secrets/db"),
                Map.entry("rotor.datasource.drain-timeout", "5s")));
        assertThat(p.getVault().getAddress()).hasToString("https://127.0.0.1:8200");
        assertThat(p.getVault().getNamespace()).isEqualTo("team-a");
        assertThat(p.getVault().getConnectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.getVault().getReadTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(p.getVault().getKvVersions()).containsEntry("secret", 2);
        assertThat(p.getVault().getAuth().getMethod()).isEqualTo(RotorProperties.VaultAuthMethod.APPROLE);
        assertThat(p.getVault().getAuth().getSecretIdRef()).isEqualTo("file:/run/secrets/secret-id");
        assertThat(p.getVault().getAuth().isSecretIdWrapped()).isTrue();
        assertThat(p.getVault().getTls().getCaCertificate()).hasToString("/etc/ssl/vault-ca.pem");
        assertThat(p.getAws().getRegion()).isEqualTo("eu-west-1");
        assertThat(p.getAws().getEndpoint()).hasToString("http://127.0.0.1:4566");
        assertThat(p.getAws().getRotationCheckInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.getAws().isDescribeSecrets()).isFalse();
        assertThat(p.getDatasource().getRef()).isEqualTo("file:/run/secrets/db");
        assertThat(p.getDatasource().getDrainTimeout()).isEqualTo(Duration.ofSeconds(5));
    }
}
