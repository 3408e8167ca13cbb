package dev.rotor.secrets.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SourceCapability;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class EnvSecretSourceTest {
    private static final String PLANTED = "PLANTEDenvs3cr3t";

    private final Map<String, String> env = new ConcurrentHashMap<>(Map.of("DB_PASSWORD", PLANTED));
    private final EnvSecretSource source = new EnvSecretSource(env);

    private Secret fetch(String ref) {
        return source.fetch(FetchRequest.of(SecretRef.parse(ref), FetchReason.INITIAL));
    }

    @Test
    void variable_isTheRawValue() {
        Secret s = fetch("env:DB_PASSWORD");

        assertThat(s.value()).isEqualTo(PLANTED);
        assertThat(s.version()).isEqualTo("1");
        assertThat(s.toString()).doesNotContain(PLANTED);
    }

    @Test
    void missingVariable_isNotFound_namingTheRefAndTheSource() {
        assertThatThrownBy(() -> fetch("env:NOT_SET"))
                .isInstanceOf(SecretNotFoundException.class)
                .hasMessageContaining("ref=env:NOT_SET")
                .hasMessageContaining("source=env");
    }

    @Test
    void emptyVariable_isAnEmptyValue() {
        env.put("EMPTY", "");

        assertThat(fetch("env:EMPTY").value()).isEmpty();
    }

    @Test
    void version_incrementsOnlyWhenTheValueChanges() {
        assertThat(fetch("env:DB_PASSWORD").version()).isEqualTo("1");
        assertThat(fetch("env:DB_PASSWORD").version()).isEqualTo("1");
        env.put("DB_PASSWORD", "other");
        assertThat(fetch("env:DB_PASSWORD").version()).isEqualTo("2");
        env.put("DB_PASSWORD", "other");
        assertThat(fetch("env:DB_PASSWORD").version()).isEqualTo("2");
    }

    @Test
    void probeVersion_tracksChangesWithoutAFetch() {
        SecretRef ref = SecretRef.parse("env:DB_PASSWORD");

        assertThat(source.capabilities()).containsExactly(SourceCapability.PROBE_VERSION);
        assertThat(source.probeVersion(ref)).contains("1");
        env.put("DB_PASSWORD", "rotated");
        assertThat(source.probeVersion(ref)).contains("2");
        assertThat(fetch("env:DB_PASSWORD").version()).isEqualTo("2");
    }

    @Test
    void parameters_areRejected() {
        assertThatThrownBy(() -> fetch("env:DB_PASSWORD?format=raw"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("unknown parameter 'format'");
    }

    @Test
    void throughTheClient_aRegisteredSourceWinsOverTheDiscoveredOne() {
        try (Secrets secrets = Secrets.builder().source(source).build()) {
            assertThat(secrets.value("env:DB_PASSWORD")).isEqualTo(PLANTED);
        }
    }

    @Test
    void discoveredSource_readsNothing_untilTheApplicationOptsIn_andSaysHow() {
        String name = "PATH";
        assumeTrue(System.getenv(name) != null, "PATH is set");
        try (Secrets secrets = Secrets.builder().build()) {
            assertThatThrownBy(() -> secrets.value("env:" + name))
                    .isInstanceOf(dev.rotor.secrets.SecretConfigurationException.class)
                    .hasMessageContaining("EnvSecretSource.allowing(\"PATH\")")
                    .hasMessageContaining("ref=env:PATH");
        }
    }

    @Test
    void allowList_readsTheNamesAndPrefixesGiven_andRefusesEveryOtherVariable() {
        Map<String, String> vars =
                Map.of("DB_PASSWORD", PLANTED, "PAYMENTS_KEY", "k", "AWS_SECRET_ACCESS_KEY", "cloud-key-planted");
        try (Secrets secrets = Secrets.builder()
                .source(EnvSecretSource.allowing(vars, java.util.List.of("DB_PASSWORD", "PAYMENTS_*")))
                .discoverSources(false)
                .build()) {
            assertThat(secrets.value("env:DB_PASSWORD")).isEqualTo(PLANTED);
            assertThat(secrets.value("env:PAYMENTS_KEY")).isEqualTo("k");
            assertThatThrownBy(() -> secrets.value("env:AWS_SECRET_ACCESS_KEY"))
                    .isInstanceOf(dev.rotor.secrets.SecretAccessDeniedException.class)
                    .hasMessageContaining("allow-list")
                    .hasMessageNotContaining("cloud-key-planted");
        }
    }

    @Test
    void allowList_rejectsPatternsItCannotHonour() {
        assertThatThrownBy(() -> EnvSecretSource.allowing("*"))
                .isInstanceOf(dev.rotor.secrets.SecretConfigurationException.class);
        assertThatThrownBy(() -> EnvSecretSource.allowing("A*B"))
                .isInstanceOf(dev.rotor.secrets.SecretConfigurationException.class);
    }

    @Test
    void explicitlyRegisteredProcessEnvironment_readsAnyVariable_forLocalDevelopment() {
        String name = "PATH";
        assumeTrue(System.getenv(name) != null, "PATH is set");
        try (Secrets secrets = Secrets.builder().source(new EnvSecretSource()).build()) {
            assertThat(secrets.value("env:" + name)).isEqualTo(System.getenv(name));
        }
    }
}
