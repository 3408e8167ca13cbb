package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.test.InMemorySource.Operation;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter's Micrometer observations, on Micrometer's {@link TestObservationRegistry} (which also checks that each
 * observation is started before it is stopped, and stopped once): names, low- and high-cardinality keys, and that no
 * value reaches any of them.
 */
class RotorObservationsTest {
    private final Fixture fx = new Fixture();
    private final TestObservationRegistry registry = TestObservationRegistry.create();

    private ApplicationContextRunner runner() {
        return fx.runner()
                .withConfiguration(AutoConfigurations.of(RotorObservationAutoConfiguration.class))
                .withBean(ObservationRegistry.class, () -> registry);
    }

    @Test
    void firstLoad_isARotorRefreshObservation_withItsKeys_startedAndStopped() {
        runner().run(context -> {
            context.getBean(Secrets.class).get("mem:app/key");

            TestObservationRegistryAssert.assertThat(registry)
                    .hasNumberOfObservationsWithNameEqualTo("rotor.refresh", 1)
                    .hasObservationWithNameEqualTo("rotor.refresh")
                    .that()
                    .hasContextualNameEqualTo("refresh mem")
                    .hasLowCardinalityKeyValue("source", "mem")
                    .hasLowCardinalityKeyValue("event", "refresh")
                    .hasLowCardinalityKeyValue("outcome", "success")
                    .hasLowCardinalityKeyValue("error", "none")
                    .hasHighCardinalityKeyValue("ref", "mem:app/key")
                    .hasBeenStarted()
                    .hasBeenStopped();
        });
    }

    @Test
    void failedRefresh_isAnObservationWithFailureAndTheErrorClass() {
        runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:app/key");
            fx.source.failNext(1, () -> new SourceUnavailableException("mem down", null, "mem"));

            fx.scheduler.advance(Duration.ofMinutes(10));

            TestObservationRegistryAssert.assertThat(registry).hasAnObservation(o -> o.hasNameEqualTo("rotor.refresh")
                    .hasLowCardinalityKeyValue("outcome", "failure")
                    .hasLowCardinalityKeyValue("error", "SourceUnavailableException")
                    .hasHighCardinalityKeyValue("ref", "mem:app/key"));
            assertThat(secrets.get("mem:app/key").version()).isEqualTo("1");
        });
    }

    @Test
    void renewalOfALease_isARotorRenewalObservation() {
        runner().run(context -> {
            context.getBean(Secrets.class).get("mem:db/creds");

            fx.scheduler.advance(Duration.ofMinutes(50));

            assertThat(fx.source.count(Operation.RENEW)).isPositive();
            TestObservationRegistryAssert.assertThat(registry)
                    .hasObservationWithNameEqualTo("rotor.renewal")
                    .that()
                    .hasContextualNameEqualTo("renewal mem")
                    .hasLowCardinalityKeyValue("source", "mem")
                    .hasLowCardinalityKeyValue("event", "renewal")
                    .hasLowCardinalityKeyValue("outcome", "success")
                    .hasHighCardinalityKeyValue("ref", "mem:db/creds")
                    .hasBeenStarted()
                    .hasBeenStopped();
        });
    }

    /** Takes the raw value; refuses one that starts with {@code bad}. */
    private static final class KeyHolder implements SecretConsumer {
        @Override
        public String name() {
            return "billing";
        }

        @Override
        public String kind() {
            return "api-client";
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            if (change.current().value().startsWith("bad")) {
                throw new SecretRejectedException("key refused", change.ref(), name());
            }
        }
    }

    @Test
    void handOver_isARotorHandoverObservationNamedByTheConsumer_aRefusalRejected() {
        runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            try (ConsumerBinding binding = ConsumerBinding.bind(secrets, new KeyHolder(), "mem:app/key")) {
                fx.source.put("app/key", "bad-2");
                secrets.refresh("mem:app/key");
                assertThat(binding.refused()).isEqualTo(1);
            }

            TestObservationRegistryAssert.assertThat(registry)
                    .hasNumberOfObservationsWithNameEqualTo("rotor.handover", 2)
                    .hasAnObservation(o -> o.hasNameEqualTo("rotor.handover")
                            .hasContextualNameEqualTo("handover billing")
                            .hasLowCardinalityKeyValue("source", "billing")
                            .hasLowCardinalityKeyValue("event", "handover")
                            .hasLowCardinalityKeyValue("outcome", "success")
                            .hasHighCardinalityKeyValue("ref", "mem:app/key"))
                    .hasAnObservation(o -> o.hasNameEqualTo("rotor.handover")
                            .hasLowCardinalityKeyValue("outcome", "rejected")
                            .hasLowCardinalityKeyValue("error", "SecretRejectedException"));
        });
    }

    @Test
    void everyKind_hasItsObservationName_andABatchIsNamedAsSuch() {
        RotorObservations observations = new RotorObservations(registry);
        SecretRef token = SecretRef.parse("vault-token:session");
        for (FlightObserver.Kind kind : FlightObserver.Kind.values()) {
            observations
                    .start(kind, kind == FlightObserver.Kind.REFRESH ? null : token, "vault")
                    .stop(null);
        }

        assertThat(List.of(FlightObserver.Kind.values()).stream().map(RotorObservations::name))
                .containsExactly("rotor.refresh", "rotor.renewal", "rotor.rotation", "rotor.login", "rotor.handover");
        TestObservationRegistryAssert.assertThat(registry)
                .hasNumberOfObservationsEqualTo(5)
                .hasObservationWithNameEqualTo("rotor.login")
                .that()
                .hasContextualNameEqualTo("login vault")
                .hasLowCardinalityKeyValue("event", "login")
                .hasHighCardinalityKeyValue("ref", "vault-token:session")
                .hasBeenStopped();
        TestObservationRegistryAssert.assertThat(registry)
                .hasObservationWithNameEqualTo("rotor.refresh")
                .that()
                .hasHighCardinalityKeyValue("ref", "batch");
    }

    @Test
    void observations_disabledByProperty_noneAreMade() {
        runner().withPropertyValues("rotor.observations.enabled=false").run(context -> {
            context.getBean(Secrets.class).get("mem:app/key");
            assertThat(context).doesNotHaveBean(RotorObservationAutoConfiguration.RotorObservationAttachment.class);
            TestObservationRegistryAssert.assertThat(registry).doesNotHaveAnyObservation();
        });
    }

    @Test
    void observations_withoutARegistryBean_areNotAttached() {
        fx.runner()
                .withConfiguration(AutoConfigurations.of(RotorObservationAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).hasSingleBean(Secrets.class);
                    assertThat(context)
                            .doesNotHaveBean(RotorObservationAutoConfiguration.RotorObservationAttachment.class);
                });
    }

    @Test
    void observations_withoutMicrometerObservation_onTheClassPath_areNotAttached() {
        runner().withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
                .run(context -> assertThat(context)
                        .doesNotHaveBean(RotorObservationAutoConfiguration.RotorObservationAttachment.class));
    }

    @Test
    void applicationsOwnClient_isLeftAlone_nothingIsAttachedToIt() {
        runner().withUserConfiguration(Fixture.OwnClient.class).run(context -> {
            assertThat(context).hasSingleBean(RotorObservationAutoConfiguration.RotorObservationAttachment.class);
            context.getBean(Secrets.class).get("mem:app/key");
            TestObservationRegistryAssert.assertThat(registry).doesNotHaveAnyObservation();
        });
    }

    @Test
    void noPlantedValue_reachesAnObservationsName_contextualName_orKeyValues() {
        runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            secrets.get("mem:app/key");
            secrets.get("mem:db/creds");
            fx.source.failNext(1, () -> new SourceUnavailableException("mem down", null, "mem"));
            fx.scheduler.advance(Duration.ofHours(4)); // polls, a failure, renewals, the rotation at the max TTL
            try (ConsumerBinding binding = ConsumerBinding.bind(secrets, new KeyHolder(), "mem:app/key")) {
                assertThat(binding.handOvers()).isEqualTo(1);
            }
            secrets.compromised("mem:db/creds");
            assertThat(fx.source.count(Operation.RENEW)).isPositive();

            TestObservationRegistryAssert.assertThat(registry)
                    .hasAnObservation(o -> o.hasNameEqualTo("rotor.rotation"))
                    .hasHandledContextsThatSatisfy(contexts -> {
                        assertThat(contexts).hasSizeGreaterThan(5);
                        for (Observation.Context c : contexts) {
                            List<String> seen = new ArrayList<>();
                            seen.add(c.getName());
                            seen.add(c.getContextualName());
                            for (KeyValue kv : c.getAllKeyValues()) {
                                seen.add(kv.getKey());
                                seen.add(kv.getValue());
                            }
                            for (String s : seen) {
                                assertThat(s)
                                        .doesNotContain(Fixture.STATIC_VALUE)
                                        .doesNotContain(Fixture.DYN_PASS)
                                        .doesNotContain("user1")
                                        .doesNotContain("bad-");
                            }
                            // nor a version: no key carries one
                            assertThat(c.getAllKeyValues().stream().map(KeyValue::getKey))
                                    .containsOnly("source", "event", "outcome", "error", "ref");
                        }
                    });
        });
    }
}
