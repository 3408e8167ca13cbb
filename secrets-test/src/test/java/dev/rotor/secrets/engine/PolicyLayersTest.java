package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.test.InMemorySource.Operation;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A policy per source and per declared secret, layered over the source's own defaults. */
class PolicyLayersTest {

    private static RefreshPolicy poll(Duration d) {
        return RefreshPolicy.builder().pollInterval(d).build();
    }

    @Test
    void sourceDefaults_applyWhenTheApplicationSetsNothing() {
        try (Fixture f = new Fixture()) {
            f.source.defaultRefreshPolicy(poll(Duration.ofSeconds(10)));
            f.source.put("a", "v1");
            f.start();
            assertThat(f.secrets.refreshPolicy("mem:a").pollInterval()).isEqualTo(Duration.ofSeconds(10));
            f.secrets.get("mem:a");
            f.source.resetCounts();
            f.advance(Duration.ofSeconds(10));
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(1);
        }
    }

    @Test
    void clientWidePolicy_overridesOnlyWhatItSets() {
        try (Fixture f = new Fixture()) {
            f.source.defaultRefreshPolicy(RefreshPolicy.builder()
                    .pollInterval(Duration.ofSeconds(10))
                    .maxBackoff(Duration.ofSeconds(10))
                    .build());
            f.start(f.rawBuilder().refreshPolicy(poll(Duration.ofSeconds(30))));
            RefreshPolicy p = f.secrets.refreshPolicy("mem:a");
            assertThat(p.pollInterval()).isEqualTo(Duration.ofSeconds(30));
            assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(10)); // the source's, not the 5 min default
            assertThat(p.overrides()).containsExactly("pollInterval", "maxBackoff");
        }
    }

    @Test
    void perSourcePolicy_winsOverTheClientWideOne_forThatSourceOnly() {
        try (Fixture f = new Fixture()) {
            f.start(f.rawBuilder()
                    .refreshPolicy(poll(Duration.ofSeconds(30)))
                    .refreshPolicy("mem", poll(Duration.ofMinutes(2)))
                    .refreshPolicy("other", poll(Duration.ofHours(1))));
            assertThat(f.secrets.refreshPolicy("mem:a").pollInterval()).isEqualTo(Duration.ofMinutes(2));
        }
    }

    @Test
    void declaredSecret_hasItsOwnPolicy_overItsSources() {
        try (Fixture f = new Fixture()) {
            f.source.put("fast", "f1");
            f.source.put("slow", "s1");
            f.start(f.rawBuilder()
                    .refreshPolicy(poll(Duration.ofMinutes(10)))
                    .declare(SecretDeclaration.of("mem:fast").refreshPolicy(poll(Duration.ofSeconds(5)))));
            assertThat(f.secrets.refreshPolicy("mem:fast#x").pollInterval()).isEqualTo(Duration.ofSeconds(5));
            assertThat(f.secrets.refreshPolicy("mem:slow").pollInterval()).isEqualTo(Duration.ofMinutes(10));
            f.secrets.get("mem:fast");
            f.secrets.get("mem:slow");
            f.source.put("fast", "f2");
            f.source.put("slow", "s2");
            f.advance(Duration.ofSeconds(5));
            assertThat(f.secrets.get("mem:fast").value()).isEqualTo("f2");
            assertThat(f.secrets.get("mem:slow").value()).isEqualTo("s1");
        }
    }

    @Test
    void layersThatCannotCombine_failAtBuild_namingTheSource() {
        try (Fixture f = new Fixture()) {
            f.source.defaultRefreshPolicy(RefreshPolicy.builder()
                    .initialBackoff(Duration.ofSeconds(2))
                    .maxBackoff(Duration.ofSeconds(10))
                    .build());
            assertThatThrownBy(() -> f.start(f.rawBuilder()
                            .refreshPolicy(
                                    "mem",
                                    RefreshPolicy.builder()
                                            .maxBackoff(Duration.ofSeconds(1))
                                            .initialBackoff(Duration.ofMillis(500))
                                            .build())
                            .refreshPolicy(RefreshPolicy.builder()
                                    .minBackoff(Duration.ofSeconds(1))
                                    .build())))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("source mem")
                    .hasMessageContaining("minBackoff");
        }
    }

    @Test
    void fileSource_defaultsFitALocalFile() {
        RefreshPolicy file = FileSecretSource.create().defaultRefreshPolicy();
        assertThat(file.pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(file.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(file.overrides()).containsExactly("pollInterval", "maxBackoff");
    }

    @Test
    void policyOver_takesOnlyTheOptionsSet_andUnionsWhatIsOverridden() {
        RefreshPolicy base =
                RefreshPolicy.builder().maxBackoff(Duration.ofSeconds(10)).build();
        RefreshPolicy top =
                RefreshPolicy.builder().pollInterval(Duration.ofSeconds(3)).build();
        RefreshPolicy both = top.over(base);
        assertThat(both.pollInterval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(both.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        assertThat(both.leaseFraction()).isEqualTo(RefreshPolicy.defaults().leaseFraction());
        assertThat(RefreshPolicy.defaults().over(base)).isSameAs(base);
        assertThat(RefreshPolicy.defaults().overrides()).isEmpty();
    }
}
