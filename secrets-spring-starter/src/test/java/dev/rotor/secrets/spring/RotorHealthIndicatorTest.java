package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class RotorHealthIndicatorTest {
    private final Fixture fx = new Fixture();

    private ApplicationContextRunner runner() {
        return fx.runner().withConfiguration(AutoConfigurations.of(RotorHealthAutoConfiguration.class));
    }

    @Test
    void healthIndicator_healthOnClassPath_isPublished() {
        runner().run(context -> assertThat(context).hasSingleBean(RotorHealthIndicator.class));
    }

    @Test
    void healthIndicator_healthNotOnClassPath_isNotPublished() {
        runner().withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> assertThat(context).doesNotHaveBean(RotorHealthIndicator.class));
    }

    @Test
    void healthIndicator_disabledByProperty_isNotPublished() {
        runner().withPropertyValues("management.health.rotor.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RotorHealthIndicator.class));
    }

    @Test
    void healthIndicator_noClient_isNotPublished() {
        runner().withPropertyValues("rotor.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RotorHealthIndicator.class));
    }

    @Test
    void healthIndicator_userDefinesOne_backsOff() {
        HealthIndicator own = () -> Health.up().build();
        runner().withBean("rotorHealthIndicator", HealthIndicator.class, () -> own)
                .run(context -> {
                    assertThat(context).doesNotHaveBean(RotorHealthIndicator.class);
                    assertThat(context.getBean("rotorHealthIndicator")).isSameAs(own);
                });
    }

    @Test
    void health_throttledEvent_isNotAFailure_staysUp() {
        runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:db/creds");
            secrets.publish(dev.rotor.secrets.SecretEvent.builder(
                            dev.rotor.secrets.SecretEventType.THROTTLED,
                            fx.scheduler.clock().now())
                    .ref(dev.rotor.secrets.SecretRef.parse("mem:db/creds"))
                    .source("mem")
                    .duration(Duration.ofSeconds(30))
                    .failure(new dev.rotor.secrets.SourceThrottledException("throttled", null, "mem"))
                    .build());

            Health health = context.getBean(RotorHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("rotor", "UP").containsEntry("problems", List.of());
        });
    }

    @Test
    void health_allSecretsFine_isUp() {
        runner().run(context -> {
            context.getBean(Secrets.class).get("mem:db/creds");
            Health health = context.getBean(RotorHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("rotor", "UP").containsEntry("secrets", 1);
        });
    }

    @Test
    void health_refreshesFailing_isUpWithDegradedDetailAndNoValue() {
        runner().run(context -> {
            context.getBean(Secrets.class).get("mem:db/creds");
            fx.source.failAlways(() -> new SourceUnavailableException("store down", null, "mem"));
            fx.scheduler.advance(Duration.ofMinutes(45));
            Health health = context.getBean(RotorHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("rotor", "DEGRADED");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> problems =
                    (List<Map<String, Object>>) health.getDetails().get("problems");
            assertThat(problems).singleElement().satisfies(p -> {
                assertThat(p).containsEntry("ref", "mem:db/creds").containsEntry("state", "DEGRADED");
                assertThat(p).containsKey("lastError");
            });
            assertThat(health.toString()).doesNotContain(Fixture.DYN_PASS).doesNotContain("user1");
        });
    }

    @Test
    void health_requiredSecretPastLease_isDown() {
        runner().withPropertyValues("rotor.secrets[0].ref=mem:db/creds", "rotor.secrets[0].required=true")
                .run(context -> {
                    context.getBean(Secrets.class).get("mem:db/creds");
                    fx.source.goDown();
                    fx.scheduler.advance(Duration.ofMinutes(61));
                    Health health = context.getBean(RotorHealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(health.getDetails()).containsEntry("rotor", "DOWN");
                    assertThat(health.toString()).doesNotContain(Fixture.DYN_PASS);
                });
    }

    @Test
    void health_notRequiredSecretPastLease_isUpDegraded() {
        runner().run(context -> {
            context.getBean(Secrets.class).get("mem:db/creds");
            fx.source.goDown();
            fx.scheduler.advance(Duration.ofMinutes(61));
            Health health = context.getBean(RotorHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("rotor", "DEGRADED");
        });
    }
}
