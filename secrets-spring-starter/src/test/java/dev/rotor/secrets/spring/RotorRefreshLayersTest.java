package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secrets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rotor.refresh.* is a layer: a mounted file keeps its own defaults for every property the application leaves unset. */
class RotorRefreshLayersTest {
    private final Fixture fx = new Fixture();

    @TempDir
    Path tmp;

    @Test
    void nothingSet_aFileSecretKeepsTheFileSourcesOwnDefaults() throws Exception {
        Path file = Files.writeString(tmp.resolve("api-key"), "k1", StandardCharsets.UTF_8);
        fx.runner().withPropertyValues("rotor.file.allowed-directories=" + tmp).run(context -> {
            RefreshPolicy p = context.getBean(Secrets.class).refreshPolicy("file:" + file);
            assertThat(p.pollInterval()).isEqualTo(Duration.ofSeconds(10));
            assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(10));
        });
    }

    @Test
    void onePropertySet_overridesThatOptionOnly() throws Exception {
        Path file = Files.writeString(tmp.resolve("api-key"), "k1", StandardCharsets.UTF_8);
        fx.runner()
                .withPropertyValues("rotor.file.allowed-directories=" + tmp, "rotor.refresh.poll-interval=1m")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    RefreshPolicy p = secrets.refreshPolicy("file:" + file);
                    assertThat(p.pollInterval()).isEqualTo(Duration.ofMinutes(1));
                    assertThat(p.maxBackoff()).isEqualTo(Duration.ofSeconds(10)); // still the file source's
                    assertThat(secrets.refreshPolicy("mem:app/key").maxBackoff())
                            .isEqualTo(Duration.ofMinutes(5));
                });
    }

    @Test
    void requestsPerSecondSet_isEverySourcesBudget_otherOptionsUntouched() throws Exception {
        Path file = Files.writeString(tmp.resolve("api-key"), "k1", StandardCharsets.UTF_8);
        fx.runner()
                .withPropertyValues("rotor.file.allowed-directories=" + tmp, "rotor.refresh.requests-per-second=20")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.refreshPolicy("mem:app/key").requestsPerSecond())
                            .isEqualTo(20.0);
                    assertThat(secrets.refreshPolicy("file:" + file).requestsPerSecond())
                            .isEqualTo(20.0);
                    assertThat(secrets.refreshPolicy("file:" + file).pollInterval())
                            .as("still the file source's own")
                            .isEqualTo(Duration.ofSeconds(10));
                });
    }

    @Test
    void requestsPerSecondUnset_leavesEverySourceUnlimited() {
        fx.runner().run(context -> assertThat(context.getBean(Secrets.class)
                        .refreshPolicy("mem:app/key")
                        .requestsPerSecond())
                .isEqualTo(RefreshPolicy.UNLIMITED));
    }

    @Test
    void requestsPerSecondNotPositive_failsNamingTheProperty() {
        for (String value : new String[] {"0", "-1", "NaN"}) {
            fx.runner()
                    .withPropertyValues("rotor.refresh.requests-per-second=" + value)
                    .run(context -> assertThat(context)
                            .getFailure()
                            .rootCause()
                            .as(value)
                            .hasMessageContaining("rotor.refresh.requests-per-second"));
        }
    }
}
