package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SignalThresholds;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code rotor.signals.*}: bound onto the client's anomaly signals, defaulted as the core, refused when out of range. */
class RotorSignalsPropertiesTest {
    private final Fixture fx = new Fixture();

    @Test
    void deniedBurstOfTwo_firesAtTheSecondDenial() {
        RecordingListener events = new RecordingListener();
        fx.runner()
                .withBean(SecretEventListener.class, () -> events)
                .withPropertyValues(
                        "rotor.secrets[0].ref=mem:app/key",
                        "rotor.signals.denied-burst=2",
                        "rotor.signals.denied-window=30s")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    fx.source.failAlways(() -> new SecretAccessDeniedException("permission denied", null, "mem"));
                    catchThrowable(() -> secrets.get("mem:denied/one"));
                    assertThat(events.ofType(SecretEventType.ACCESS_DENIED_BURST))
                            .isEmpty();
                    catchThrowable(() -> secrets.get("mem:denied/two"));
                    assertThat(events.ofType(SecretEventType.ACCESS_DENIED_BURST))
                            .singleElement()
                            .satisfies(ev -> assertThat(ev.detail().orElseThrow())
                                    .contains("2 access denied answers within PT30S"));
                });
    }

    @Test
    void unset_theDefaultsOfTheCore_noBurstAtTwoDenials() {
        RotorProperties.Signals unset = new RotorProperties().getSignals();
        SignalThresholds d = SignalThresholds.defaults();
        assertThat(unset.getVersionsPerCadence()).isEqualTo(d.versionsPerCadence());
        assertThat(unset.getDeniedBurst()).isEqualTo(d.deniedBurst());
        assertThat(unset.getDeniedWindow()).isEqualTo(d.deniedWindow());
        assertThat(unset.getRefusals()).isEqualTo(d.refusals());
        assertThat(unset.getMaxUndeclared()).isEqualTo(d.maxUndeclared());
        assertThat(unset.getSpikeFactor()).isEqualTo(d.spikeFactor());
        assertThat(unset.getSpikeMinReads()).isEqualTo(d.spikeMinReads());
        assertThat(unset.getSpikeWarmup()).isEqualTo(d.spikeWarmup());

        RecordingListener events = new RecordingListener();
        fx.runner()
                .withBean(SecretEventListener.class, () -> events)
                .withPropertyValues("rotor.secrets[0].ref=mem:app/key")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    fx.source.failAlways(() -> new SecretAccessDeniedException("permission denied", null, "mem"));
                    for (int i = 0; i < 4; i++) {
                        String ref = "mem:denied/" + i;
                        catchThrowable(() -> secrets.get(ref));
                    }
                    assertThat(events.ofType(SecretEventType.REFRESH_FAILED)).hasSize(4);
                    assertThat(events.ofType(SecretEventType.ACCESS_DENIED_BURST))
                            .isEmpty();
                    fx.scheduler.advance(Duration.ofSeconds(1));
                    catchThrowable(() -> secrets.get("mem:denied/4"));
                    assertThat(events.ofType(SecretEventType.ACCESS_DENIED_BURST))
                            .hasSize(1);
                });
    }

    @Test
    void outOfRange_failsTheStart_namingTheProperty() {
        fx.runner().withPropertyValues("rotor.signals.denied-burst=0").run(context -> {
            SecretConfigurationException e = configurationFailure(context.getStartupFailure());
            assertThat(e).hasMessageContaining("rotor.signals.denied-burst must be from 1 to 1000, was 0");
        });
        fx.runner().withPropertyValues("rotor.signals.spike-factor=0.5").run(context -> assertThat(
                        configurationFailure(context.getStartupFailure()))
                .hasMessageContaining("rotor.signals.spike-factor must be a finite number above 1, was 0.5"));
        fx.runner().withPropertyValues("rotor.signals.denied-window=0s").run(context -> assertThat(
                        configurationFailure(context.getStartupFailure()))
                .hasMessageContaining("rotor.signals.denied-window must be positive"));
        fx.runner().withPropertyValues("rotor.signals.max-undeclared=-1").run(context -> assertThat(
                        configurationFailure(context.getStartupFailure()))
                .hasMessageContaining("rotor.signals.max-undeclared must be from 0 to 1000000"));
    }

    private static SecretConfigurationException configurationFailure(Throwable failure) {
        assertThat(failure).as("the start failed").isNotNull();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SecretConfigurationException) {
                return (SecretConfigurationException) t;
            }
        }
        throw new AssertionError("no SecretConfigurationException in the failure", failure);
    }
}
