package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class RotorMetricsTest {
    private final Fixture fx = new Fixture();

    private ApplicationContextRunner runner() {
        return fx.runner().withConfiguration(AutoConfigurations.of(RotorMetricsAutoConfiguration.class));
    }

    private static double count(MeterRegistry registry, String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private static double gauge(MeterRegistry registry, String name, String ref) {
        return registry.get(name).tag("ref", ref).gauge().value();
    }

    @Test
    void metrics_micrometerPresent_publishesBinder() {
        runner().run(context -> assertThat(context).hasSingleBean(RotorMetrics.class));
    }

    @Test
    void metrics_micrometerAbsent_publishesNothing() {
        runner().withClassLoader(new FilteredClassLoader(MeterBinder.class))
                .run(context -> assertThat(context).doesNotHaveBean(RotorMetrics.class));
    }

    @Test
    void metrics_disabledByProperty_publishesNothing() {
        runner().withPropertyValues("rotor.metrics.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RotorMetrics.class));
    }

    @Test
    void metrics_noClient_publishesNothing() {
        runner().withPropertyValues("rotor.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RotorMetrics.class));
    }

    @Test
    void gauges_afterAnEvent_readTheNewState() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            fx.scheduler.advance(Duration.ofMinutes(10));
            assertThat(gauge(registry, RotorMetrics.AGE, "mem:db/creds")).isEqualTo(600.0);
            secrets.refresh("mem:db/creds"); // a new lease and version, at the same instant
            assertThat(gauge(registry, RotorMetrics.AGE, "mem:db/creds")).isEqualTo(0.0);
        });
    }

    @Test
    void metrics_userDefinesOne_backsOff() {
        runner().withBean(
                        "myMetrics",
                        RotorMetrics.class,
                        () -> new RotorMetrics(
                                Secrets.builder()
                                        .source(fx.source)
                                        .discoverSources(false)
                                        .auditLog(false)
                                        .build(),
                                fx.scheduler.clock()))
                .run(context ->
                        assertThat(context).hasSingleBean(RotorMetrics.class).hasBean("myMetrics"));
    }

    @Test
    void metrics_bootMetricsAutoConfiguration_bindsToTheRegistry() {
        runner().withConfiguration(AutoConfigurations.of(
                        MetricsAutoConfiguration.class,
                        CompositeMeterRegistryAutoConfiguration.class,
                        SimpleMetricsExportAutoConfiguration.class))
                .run(context -> {
                    context.getBean(Secrets.class).get("mem:app/key");
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(count(registry, RotorMetrics.REFRESHES, "source", "mem"))
                            .isEqualTo(1);
                });
    }

    @Test
    void gauges_leasedSecret_reportTimeToExpiryAndAgeOnTheClientClock() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            context.getBean(Secrets.class).get("mem:db/creds");
            fx.scheduler.advance(Duration.ofMinutes(10));

            assertThat(gauge(registry, RotorMetrics.EXPIRY, "mem:db/creds")).isEqualTo(50 * 60.0);
            assertThat(gauge(registry, RotorMetrics.AGE, "mem:db/creds")).isEqualTo(10 * 60.0);
            assertThat(registry.get(RotorMetrics.EXPIRY).gauge().getId().getTag("source"))
                    .isEqualTo("mem");
        });
    }

    @Test
    void gauges_secretLoadedBeforeBinding_areRegisteredAtBind() {
        runner().run(context -> {
            context.getBean(Secrets.class).get("mem:app/key");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            assertThat(gauge(registry, RotorMetrics.AGE, "mem:app/key")).isEqualTo(0.0);
            assertThat(gauge(registry, RotorMetrics.EXPIRY, "mem:app/key")).isNaN();
        });
    }

    @Test
    void gauges_refWithFieldAndParameters_taggedWithSchemeAndPathOnly() {
        fx.source.parameters(java.util.Set.of("stage"));
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            context.getBean(Secrets.class).value("mem:db/creds#password?stage=current");
            assertThat(registry.getMeters())
                    .filteredOn(m -> m.getId().getName().equals(RotorMetrics.AGE))
                    .extracting(m -> m.getId().getTag("ref"))
                    .containsExactly("mem:db/creds");
        });
    }

    @Test
    void counters_renewalsRotationsAndFailures_countedPerSource() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            // renewals until the max TTL (3 h) stops them paying, then a rotation
            fx.scheduler.advance(Duration.ofHours(4));
            assertThat(count(registry, RotorMetrics.RENEWALS, "source", "mem")).isGreaterThanOrEqualTo(1);
            assertThat(count(registry, RotorMetrics.ROTATIONS, "source", "mem")).isGreaterThanOrEqualTo(1);
            assertThat(count(registry, RotorMetrics.REFRESHES, "source", "mem"))
                    .isEqualTo(1 + count(registry, RotorMetrics.ROTATIONS, "source", "mem"));

            fx.source.failAlways(() -> new SourceUnavailableException("store down", null, "mem"));
            fx.scheduler.advance(Duration.ofHours(1));
            assertThat(count(registry, RotorMetrics.FAILURES, "source", "mem", "event", "refresh_failed"))
                    .isGreaterThanOrEqualTo(1);
        });
    }

    @Test
    void counters_authEvents_countedByOperationAndOutcome() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            Secrets secrets = context.getBean(Secrets.class);
            java.time.Instant now = fx.scheduler.clock().now();
            // the details the Vault adapter's token session writes
            publishAuth(secrets, SecretEventType.AUTH_LOGIN, "token obtained", false);
            publishAuth(secrets, SecretEventType.AUTH_LOGIN, "token replaced (max TTL reached)", false);
            publishAuth(secrets, SecretEventType.AUTH_RENEWED, "token renewed", false);
            publishAuth(secrets, SecretEventType.AUTH_FAILED, "token login failed (SecretAccessDeniedException)", true);
            publishAuth(
                    secrets, SecretEventType.AUTH_FAILED, "token renewal failed (SourceUnavailableException)", true);
            publishAuth(secrets, SecretEventType.AUTH_FAILED, "token expired (SecretExpiredException)", true);
            // other sources' wording
            publishAuth(secrets, SecretEventType.AUTH_FAILED, "token renew-self refused", true);
            publishAuth(secrets, SecretEventType.AUTH_FAILED, "login refused", true);
            // cannot tell: no detail, or one naming both
            publishAuth(secrets, SecretEventType.AUTH_FAILED, null, true);
            publishAuth(secrets, SecretEventType.AUTH_FAILED, "login or renewal failed", true);

            assertThat(count(registry, RotorMetrics.AUTH, "operation", "login", "outcome", "success"))
                    .isEqualTo(2);
            assertThat(count(registry, RotorMetrics.AUTH, "operation", "renew", "outcome", "success"))
                    .isEqualTo(1);
            assertThat(count(registry, RotorMetrics.AUTH, "operation", "login_or_renew", "outcome", "failure"))
                    .isEqualTo(2);
            assertThat(count(registry, RotorMetrics.AUTH, "operation", "expired", "outcome", "failure"))
                    .isEqualTo(1);
            assertThat(count(registry, RotorMetrics.AUTH, "operation", "renew", "outcome", "failure"))
                    .isEqualTo(2);
            assertThat(count(registry, RotorMetrics.AUTH, "operation", "login", "outcome", "failure"))
                    .isEqualTo(2);
        });
    }

    @Test
    void counters_throttledEvents_countedPerSource_notAsFailures() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            for (int i = 0; i < 2; i++) {
                secrets.publish(SecretEvent.builder(
                                SecretEventType.THROTTLED, fx.scheduler.clock().now())
                        .ref(SecretRef.parse("mem:db/creds#password"))
                        .source("mem")
                        .duration(Duration.ofSeconds(7))
                        .failure(new SourceThrottledException("GetSecretValue throttled", null, "mem"))
                        .build());
            }

            assertThat(count(registry, RotorMetrics.THROTTLED, "source", "mem")).isEqualTo(2);
            assertThat(registry.find(RotorMetrics.THROTTLED).counters())
                    .allSatisfy(c -> assertThat(c.getId().getTags())
                            .extracting(io.micrometer.core.instrument.Tag::getKey)
                            .containsExactly("source"));
            assertThat(registry.find(RotorMetrics.FAILURES).counters()).isEmpty();
        });
    }

    private void publishAuth(Secrets secrets, SecretEventType type, String detail, boolean failed) {
        SecretEvent.Builder b =
                SecretEvent.builder(type, fx.scheduler.clock().now()).source("vault");
        if (detail != null) {
            b.detail(detail);
        }
        if (failed) {
            b.failure(new SourceUnavailableException("refused", null, "vault"));
        }
        secrets.publish(b.build());
    }

    @Test
    void meters_afterRotationsAndFailures_neverCarryAValue() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            secrets.get("mem:app/key");
            fx.scheduler.advance(Duration.ofHours(4));
            fx.source.failAlways(() -> new SourceUnavailableException("store down", null, "mem"));
            fx.scheduler.advance(Duration.ofHours(1));
            StringBuilder all = new StringBuilder();
            for (Meter m : registry.getMeters()) {
                all.append(m.getId()).append('\n');
            }
            assertThat(all).doesNotContain(Fixture.DYN_PASS).doesNotContain(Fixture.STATIC_VALUE);
            assertThat(all).doesNotContain("user1");
        });
    }

    @Test
    void close_afterClose_stopsCounting() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            RotorMetrics metrics = context.getBean(RotorMetrics.class);
            metrics.bindTo(registry);
            metrics.close();
            context.getBean(Secrets.class)
                    .publish(SecretEvent.builder(
                                    SecretEventType.LOADED, fx.scheduler.clock().now())
                            .ref(SecretRef.parse("mem:x"))
                            .source("mem")
                            .build());
            assertThat(count(registry, RotorMetrics.REFRESHES, "source", "mem")).isZero();
        });
    }

    /** Expiry, age, freshness objective, last check age, maximum age, refresh failing. */
    private static final int GAUGES_PER_SECRET = 6;

    private static long perSecretMeters(MeterRegistry registry) {
        return registry.getMeters().stream()
                .filter(m -> m.getId().getTag("ref") != null)
                .count();
    }

    @Test
    void gauges_twentyThousandDistinctRefsThroughACacheOfOneHundred_stayBoundedByTheInventory() {
        for (int i = 0; i < 20_000; i += 2) {
            fx.source.put("flood/" + i, "v");
        }
        runner().withPropertyValues("rotor.maximum-entries=100").run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            Secrets secrets = context.getBean(Secrets.class);
            for (int i = 0; i < 20_000; i++) {
                try {
                    secrets.get("mem:flood/" + i); // every other one is missing
                } catch (RuntimeException missing) {
                    // a read of a missing secret, as request input would make
                }
            }
            long held = secrets.inventory().size();
            assertThat(held).isLessThanOrEqualTo(100);
            assertThat(perSecretMeters(registry)).isLessThanOrEqualTo(GAUGES_PER_SECRET * 100);
            assertThat(perSecretMeters(registry)).isEqualTo(GAUGES_PER_SECRET * held);
            // the rest are the per-source counters
            assertThat(registry.getMeters()).hasSizeLessThanOrEqualTo(10 + GAUGES_PER_SECRET * 100);
        });
    }

    @Test
    void gauges_secretEvictedFromTheCache_areRemovedFromEveryRegistry() {
        for (int i = 0; i < 5; i++) {
            fx.source.put("few/" + i, "v");
        }
        runner().withPropertyValues("rotor.maximum-entries=2").run(context -> {
            SimpleMeterRegistry first = new SimpleMeterRegistry();
            SimpleMeterRegistry second = new SimpleMeterRegistry();
            RotorMetrics metrics = context.getBean(RotorMetrics.class);
            metrics.bindTo(first);
            metrics.bindTo(second);
            Secrets secrets = context.getBean(Secrets.class);
            for (int i = 0; i < 5; i++) {
                secrets.get("mem:few/" + i);
            }
            // a scrape a second later rebuilds the snapshot and reconciles with whatever the cache kept
            fx.scheduler.advance(Duration.ofSeconds(1));
            first.getMeters().forEach(Meter::measure);
            java.util.Set<String> held = new java.util.HashSet<>();
            secrets.inventory().forEach(e -> held.add(RotorMetrics.tag(e.ref())));
            assertThat(held).hasSizeLessThanOrEqualTo(2);
            for (SimpleMeterRegistry registry : java.util.List.of(first, second)) {
                assertThat(registry.find(RotorMetrics.AGE).gauges())
                        .extracting(g -> g.getId().getTag("ref"))
                        .containsExactlyInAnyOrderElementsOf(held);
                assertThat(registry.find(RotorMetrics.EXPIRY).gauges())
                        .extracting(g -> g.getId().getTag("ref"))
                        .containsExactlyInAnyOrderElementsOf(held);
            }
        });
    }

    @Test
    void gauges_eventNamingASecretNotHeld_createNone() {
        runner().run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(RotorMetrics.class).bindTo(registry);
            context.getBean(Secrets.class)
                    .publish(SecretEvent.builder(
                                    SecretEventType.REFRESH_FAILED,
                                    fx.scheduler.clock().now())
                            .ref(SecretRef.parse("mem:request/input-9f2"))
                            .source("mem")
                            .failure(new SourceUnavailableException("down", null, "mem"))
                            .build());
            assertThat(registry.find(RotorMetrics.AGE)
                            .tag("ref", "mem:request/input-9f2")
                            .gauge())
                    .isNull();
            assertThat(count(registry, RotorMetrics.FAILURES, "source", "mem", "event", "refresh_failed"))
                    .isEqualTo(1);
        });
    }
}
