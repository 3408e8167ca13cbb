package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotorAutoConfigurationTest {
    private final Fixture fx = new Fixture();

    @Test
    void secrets_noUserBean_publishesClientThatServesFromSourceBeans() {
        fx.runner().run(context -> {
            assertThat(context).hasSingleBean(Secrets.class);
            Secrets secrets = context.getBean(Secrets.class);
            assertThat(secrets.value("mem:app/key")).isEqualTo(Fixture.STATIC_VALUE);
        });
    }

    @Test
    void secrets_userDefinesClient_autoConfigurationBacksOff() {
        fx.runner().withUserConfiguration(Fixture.OwnClient.class).run(context -> {
            assertThat(context).hasSingleBean(Secrets.class);
            assertThat(context).hasBean("mySecrets").doesNotHaveBean("rotorSecrets");
        });
    }

    @Test
    void secrets_rotorDisabled_noClient() {
        fx.runner().withPropertyValues("rotor.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(Secrets.class));
    }

    @Test
    void secrets_anyConfiguration_publishesNoSchedulerOrExecutorBeans() {
        fx.runner().run(context -> {
            assertThat(context).hasSingleBean(Secrets.class);
            assertThat(context.getBeansOfType(Scheduler.class)).isEmpty();
            assertThat(context.getBeansOfType(Executor.class)).isEmpty();
            assertThat(context.getBeansOfType(ScheduledExecutorService.class)).isEmpty();
        });
    }

    @Test
    void secrets_eventListenerBean_receivesEvents() {
        RecordingListener events = new RecordingListener();
        fx.runner().withBean(SecretEventListener.class, () -> events).run(context -> {
            context.getBean(Secrets.class).get("mem:app/key");
            assertThat(events.types()).contains(SecretEventType.LOADED);
        });
    }

    @Test
    void secrets_validatorBean_vetsEveryVersion() {
        List<String> vetted = new CopyOnWriteArrayList<>();
        fx.runner()
                .withBean(SecretValidator.class, () -> (candidate, current) -> vetted.add(candidate.version()))
                .run(context -> {
                    context.getBean(Secrets.class).get("mem:app/key");
                    assertThat(vetted).hasSize(1);
                });
    }

    @Test
    void close_revokeOnCloseTrue_revokesHeldLeases() {
        fx.runner().withPropertyValues("rotor.revoke-on-close=true").run(context -> context.getBean(Secrets.class)
                .get("mem:db/creds"));
        assertThat(fx.source.revokedLeases()).hasSize(1);
    }

    @Test
    void close_revokeOnCloseDefault_keepsLeases() {
        fx.runner().run(context -> context.getBean(Secrets.class).get("mem:db/creds"));
        assertThat(fx.source.revokedLeases()).isEmpty();
    }

    @Test
    void close_contextCloses_clientIsClosed() {
        Secrets[] held = new Secrets[1];
        fx.runner().run(context -> {
            held[0] = context.getBean(Secrets.class);
            held[0].get("mem:app/key");
        });
        assertThatThrownBy(() -> held[0].get("mem:app/key")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void stalePolicy_default_stopsServingPastLeaseEnd() {
        fx.runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            fx.source.goDown();
            fx.scheduler.advance(Duration.ofMinutes(61));
            assertThatThrownBy(() -> secrets.get("mem:db/creds")).isInstanceOf(SecretExpiredException.class);
        });
    }

    @Test
    void stalePolicy_serveStale_keepsServingPastLeaseEnd() {
        fx.runner().withPropertyValues("rotor.stale.policy=serve-stale").run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            fx.source.goDown();
            fx.scheduler.advance(Duration.ofMinutes(61));
            assertThat(secrets.get("mem:db/creds").field("username")).contains("user1");
        });
    }

    @Test
    void stalePolicy_serveStaleWithMaxStaleness_stopsAfterIt() {
        fx.runner()
                .withPropertyValues("rotor.stale.policy=serve-stale", "rotor.stale.max-staleness=10m")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    secrets.get("mem:db/creds");
                    fx.source.goDown();
                    fx.scheduler.advance(Duration.ofMinutes(65));
                    assertThat(secrets.get("mem:db/creds").field("username")).contains("user1");
                    fx.scheduler.advance(Duration.ofMinutes(10));
                    assertThatThrownBy(() -> secrets.get("mem:db/creds")).isInstanceOf(SecretExpiredException.class);
                });
    }

    @Test
    void stalePolicy_maxStalenessWithStrict_failsNamingTheProperty() {
        fx.runner().withPropertyValues("rotor.stale.max-staleness=10m").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("rotor.stale.max-staleness"));
    }

    @Test
    void refresh_invalidValue_failsNamingTheOption() {
        fx.runner()
                .withPropertyValues("rotor.refresh.max-in-flight-per-source=0")
                .run(context -> assertThat(context)
                        .getFailure()
                        .hasStackTraceContaining("invalid rotor.refresh.*")
                        .hasStackTraceContaining("maxInFlightPerSource"));
    }

    @Test
    void refresh_pollInterval_drivesStaticPolls() {
        fx.runner()
                .withPropertyValues("rotor.refresh.poll-interval=1m", "rotor.refresh.poll-jitter=0")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    secrets.get("mem:app/key");
                    fx.source.put("app/key", "PLANTED-static-v2");
                    fx.scheduler.advance(Duration.ofSeconds(61));
                    assertThat(secrets.value("mem:app/key")).isEqualTo("PLANTED-static-v2");
                });
    }

    @Test
    void refresh_defaultPollInterval_doesNotPollWithinAMinute() {
        // on the steady rule (the first poll spread over the interval could fall in the first minute)
        fx.runner()
                .withPropertyValues("rotor.refresh.spread-first-refresh=false")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    secrets.get("mem:app/key");
                    fx.source.put("app/key", "PLANTED-static-v2");
                    fx.scheduler.advance(Duration.ofSeconds(61));
                    assertThat(secrets.value("mem:app/key")).isEqualTo(Fixture.STATIC_VALUE);
                });
    }

    @Test
    void refresh_byDefault_spreadsTheFirstPoll_whichStillFallsWithinOnePollInterval() {
        fx.runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            assertThat(secrets.refreshPolicy("mem:app/key").spreadFirstRefresh())
                    .isTrue();
            secrets.get("mem:app/key");
            fx.source.put("app/key", "PLANTED-static-v2");
            fx.scheduler.advance(Duration.ofMinutes(5));
            assertThat(secrets.value("mem:app/key")).isEqualTo("PLANTED-static-v2");
        });
    }

    @Test
    void refresh_spreadFirstRefreshFalse_isALayerOverTheSourcesDefaults() {
        fx.runner()
                .withPropertyValues("rotor.refresh.spread-first-refresh=false")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    assertThat(secrets.refreshPolicy("mem:app/key").spreadFirstRefresh())
                            .isFalse();
                    assertThat(secrets.refreshPolicy("mem:app/key").overrides()).containsExactly("spreadFirstRefresh");
                });
    }

    @Test
    void refresh_leaseFraction_movesTheRenewal() {
        fx.runner()
                .withPropertyValues("rotor.refresh.lease-fraction=0.25", "rotor.refresh.lease-jitter=0")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    secrets.get("mem:db/creds");
                    fx.scheduler.advance(Duration.ofMinutes(16));
                    assertThat(fx.source.count(dev.rotor.secrets.test.InMemorySource.Operation.RENEW))
                            .isEqualTo(1);
                });
    }

    @Test
    void secrets_declaredInProperties_appearInInventoryBeforeFirstRead() {
        fx.runner()
                .withPropertyValues(
                        "rotor.secrets[0].ref=mem:db/creds",
                        "rotor.secrets[0].owner=payments-team",
                        "rotor.secrets[0].max-age=30d",
                        "rotor.secrets[0].required=true")
                .run(context -> {
                    List<InventoryEntry> inventory =
                            context.getBean(Secrets.class).inventory();
                    assertThat(inventory).hasSize(1);
                    InventoryEntry e = inventory.get(0);
                    assertThat(e.ref().toString()).isEqualTo("mem:db/creds");
                    assertThat(e.state()).isEqualTo(SecretState.NOT_LOADED);
                    assertThat(e.owner()).contains("payments-team");
                    assertThat(e.maxAge()).contains(Duration.ofDays(30));
                    assertThat(e.required()).isTrue();
                });
    }

    @Test
    void secrets_declarationWithoutRef_failsNamingTheProperty() {
        fx.runner()
                .withPropertyValues("rotor.secrets[0].owner=team")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.secrets[0].ref"));
    }

    @Test
    void secrets_credentialPastedAsADeclaredRef_failsNamingThePropertyWithoutTheText() {
        String pasted = "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        fx.runner().withPropertyValues("rotor.secrets[0].ref=" + pasted).run(context -> {
            assertThat(context).getFailure().rootCause().hasMessageContaining("rotor.secrets[0].ref");
            for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(pasted);
            }
        });
    }

    @Test
    void discoverSources_false_fileSchemeIsUnknown(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "PLANTED-file-3c9d");
        fx.runner().withPropertyValues("rotor.file.allowed-directories=" + dir).run(context -> assertThat(
                        context.getBean(Secrets.class).value("file:" + file))
                .isEqualTo("PLANTED-file-3c9d"));
        fx.runner().withPropertyValues("rotor.discover-sources=false").run(context -> assertThatThrownBy(
                        () -> context.getBean(Secrets.class).get("file:" + file))
                .isInstanceOf(SecretConfigurationException.class));
    }

    @Test
    void maximumEntries_invalid_failsAtStartup() {
        fx.runner().withPropertyValues("rotor.maximum-entries=0").run(context -> assertThat(context)
                .getFailure()
                .rootCause()
                .hasMessageContaining("rotor.maximum-entries must be at least 1"));
    }

    @Test
    void refresh_failures_keepServingLastGoodVersion() {
        fx.runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            fx.source.failAlways(() -> new SourceUnavailableException("down", null, "mem"));
            fx.scheduler.advance(Duration.ofMinutes(45));
            assertThat(secrets.get("mem:db/creds").field("username")).contains("user1");
        });
    }
}
