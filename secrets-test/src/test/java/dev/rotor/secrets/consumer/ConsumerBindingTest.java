package dev.rotor.secrets.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualClock;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer SPI on its own: a small consumer written here (an API client holding a token), bound to an in-memory
 * source with the engine on a manual clock and a direct executor, so that every delivery runs inside the call that
 * caused it.
 */
class ConsumerBindingTest {
    private static final String REF = "mem:api/billing";

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final List<HandOver> handOvers = new CopyOnWriteArrayList<>();
    private Secrets secrets;

    @AfterEach
    void close() {
        if (secrets != null) {
            secrets.close();
        }
    }

    /**
     * An API client that sends the secret's {@code token} field with each request. It refuses a version without the
     * field, or one whose token the issuer has revoked; its swap takes {@link #swapTakes} on the manual clock; with
     * {@link #holdFor} it keeps the previous version until {@link #letGo()} (requests still in flight with it).
     */
    static final class TokenClient implements SecretConsumer {
        private final ManualClock clock;
        private volatile String token;
        private Duration swapTakes = Duration.ZERO;
        private Duration holdFor;
        private volatile SecretChange.Hold hold;

        TokenClient(ManualClock clock, String initialToken) {
            this.clock = clock;
            this.token = initialToken;
        }

        @Override
        public String name() {
            return "billing";
        }

        @Override
        public String kind() {
            return "api-client";
        }

        @Override
        public boolean inUse(Secret version) {
            return token != null && version.field("token").equals(Optional.of(token));
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            String t = candidate.field("token").orElseThrow(() -> new SecretRejectedException("field 'token' missing"));
            if (t.startsWith("revoked-")) {
                throw new SecretRejectedException("token revoked by the issuer");
            }
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            String t = change.current()
                    .field("token")
                    .orElseThrow(() -> new SecretRejectedException("field 'token' missing"));
            if (t.startsWith("explode-")) {
                // a client library whose message quotes what it was given
                throw new IllegalStateException("client refused token " + t);
            }
            clock.advance(swapTakes);
            if (holdFor != null) {
                hold = change.holdPrevious(holdFor);
            }
            token = t;
        }

        void letGo() {
            hold.release();
        }

        String token() {
            return token;
        }

        @Override
        public String toString() {
            return "TokenClient{billing}";
        }
    }

    private Secrets.Builder builder() {
        return Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditLog(false)
                .eventListener(events);
    }

    private ConsumerBinding bind(TokenClient client) {
        return ConsumerBinding.builder(secrets, client, REF)
                .onHandOver(handOvers::add)
                .bind();
    }

    @Test
    void newVersion_handOverEventCarriesTheDurationTheConsumerAsSourceAndItsKindAsDetail() {
        String v1 = source.putFields("api/billing", Map.of("token", "tok-1"));
        secrets = builder().build();
        TokenClient client = new TokenClient(scheduler.clock(), "tok-1");
        ConsumerBinding binding = bind(client);
        client.swapTakes = Duration.ofMillis(40);

        String v2 = source.putFields("api/billing", Map.of("token", "tok-2"));
        secrets.refresh(REF);

        assertThat(client.token()).isEqualTo("tok-2");
        assertThat(binding.handOvers()).isEqualTo(1);
        assertThat(binding.consumerVersion()).hasValue(v2);
        assertThat(binding.behind()).isFalse();
        assertThat(handOvers).singleElement().satisfies(h -> {
            assertThat(h.succeeded()).isTrue();
            assertThat(h.target()).isEqualTo("billing");
            assertThat(h.version()).isEqualTo(v2);
            assertThat(h.previousVersion()).hasValue(v1);
            assertThat(h.duration()).isEqualTo(Duration.ofMillis(40));
            assertThat(h.time()).isEqualTo(scheduler.clock().now());
        });
        assertThat(events.ofType(SecretEventType.HANDED_OVER)).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(SecretEvent.Outcome.SUCCESS);
            assertThat(e.source()).hasValue("billing");
            assertThat(e.detail()).hasValue("api-client");
            assertThat(e.version()).hasValue(v2);
            assertThat(e.previousVersion()).hasValue(v1);
            assertThat(e.duration()).hasValue(Duration.ofMillis(40));
        });
        assertThat(binding.lastHandOver()).containsSame(handOvers.get(0));
    }

    @Test
    void firstVersion_alreadyInUse_isNeitherHandedOverNorReported_otherwiseItIsHandedOverWithoutAPrevious() {
        String v1 = source.putFields("api/billing", Map.of("token", "tok-1"));
        secrets = builder().build();

        ConsumerBinding built = bind(new TokenClient(scheduler.clock(), "tok-1"));
        assertThat(built.handOvers()).isZero();
        assertThat(built.consumerVersion()).hasValue(v1);
        assertThat(built.behind()).isFalse();
        assertThat(events.ofType(SecretEventType.HANDED_OVER)).isEmpty();

        TokenClient fresh = new TokenClient(scheduler.clock(), null);
        ConsumerBinding started = bind(fresh);
        assertThat(started.handOvers()).isEqualTo(1);
        assertThat(fresh.token()).isEqualTo("tok-1");
        assertThat(handOvers).singleElement().satisfies(h -> assertThat(h.previousVersion())
                .isEmpty());
    }

    @Test
    void veto_registeredAsValidator_keepsTheOldVersionInTheEngineAndTheConsumer_namingTheConsumer() {
        String v1 = source.putFields("api/billing", Map.of("token", "tok-1"));
        TokenClient client = new TokenClient(scheduler.clock(), "tok-1");
        secrets = builder().validator(REF, ConsumerBinding.validator(client)).build();
        ConsumerBinding binding = ConsumerBinding.builder(secrets, client, REF)
                .validateOnDelivery(false)
                .onHandOver(handOvers::add)
                .bind();
        assertThat(binding.validator().name()).isEqualTo("api-client billing");

        String v2 = source.putFields("api/billing", Map.of("token", "revoked-2"));
        assertThatThrownBy(() -> secrets.refresh(REF)).isInstanceOf(SecretException.class);

        assertThat(secrets.get(REF).version()).isEqualTo(v1);
        assertThat(client.token()).isEqualTo("tok-1");
        assertThat(binding.consumerVersion()).hasValue(v1);
        assertThat(binding.behind())
                .as("the vetoed version never reached the binding")
                .isFalse();
        assertThat(handOvers).isEmpty();
        assertThat(events.ofType(SecretEventType.REJECTED)).singleElement().satisfies(e -> assertThat(
                        e.errorMessage().orElseThrow())
                .contains("api-client billing vetoed version " + v2 + " (token revoked by the issuer)"));
    }

    @Test
    void veto_onDelivery_keepsTheConsumerOnItsVersion_reportsTheRefusalWithTheReason_andCatchesUpLater() {
        String v1 = source.putFields("api/billing", Map.of("token", "tok-1"));
        secrets = builder().build();
        TokenClient client = new TokenClient(scheduler.clock(), "tok-1");
        ConsumerBinding binding = bind(client);

        String v2 = source.putFields("api/billing", Map.of("token", "revoked-2"));
        secrets.refresh(REF);

        assertThat(secrets.get(REF).version()).as("the engine has moved on").isEqualTo(v2);
        assertThat(client.token()).isEqualTo("tok-1");
        assertThat(binding.refused()).isEqualTo(1);
        assertThat(binding.handOvers()).isZero();
        assertThat(binding.consumerVersion()).hasValue(v1);
        assertThat(binding.latestVersion()).hasValue(v2);
        assertThat(binding.behind()).isTrue();
        assertThat(handOvers).singleElement().satisfies(h -> {
            assertThat(h.succeeded()).isFalse();
            assertThat(h.failure()).hasValue("token revoked by the issuer");
            assertThat(h.version()).isEqualTo(v2);
            assertThat(h.previousVersion()).hasValue(v1);
        });
        assertThat(events.ofType(SecretEventType.HANDED_OVER)).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(SecretEvent.Outcome.FAILURE);
            assertThat(e.source()).hasValue("billing");
            assertThat(e.detail()).hasValue("api-client");
            assertThat(e.errorClass()).hasValue(SecretRejectedException.class.getName());
            assertThat(e.errorMessage().orElseThrow())
                    .contains("api-client billing refused version " + v2 + " (token revoked by the issuer)");
        });

        String v3 = source.putFields("api/billing", Map.of("token", "tok-3"));
        secrets.refresh(REF);

        assertThat(client.token()).isEqualTo("tok-3");
        assertThat(binding.behind()).isFalse();
        assertThat(handOvers.get(1).previousVersion())
                .as("the consumer's version, not the refused one")
                .hasValue(v1);
        assertThat(handOvers.get(1).version()).isEqualTo(v3);
    }

    @Test
    void leasedVersion_previousLeaseIsRevokedOnlyAfterTheConsumerLetsGo() {
        source.dynamic("api/billing", n -> Map.of("token", "tok-" + n), Duration.ofHours(1), Duration.ofHours(3), true);
        secrets = builder()
                .refreshPolicy(RefreshPolicy.builder().spreadFirstRefresh(false).build())
                .build();
        TokenClient client = new TokenClient(scheduler.clock(), null);
        client.holdFor = Duration.ofMinutes(5);
        bind(client);
        String firstLease = secrets.get(REF).lease().orElseThrow().id().orElseThrow();

        secrets.refresh(REF);

        assertThat(client.token()).isEqualTo("tok-2");
        assertThat(source.revokedLeases())
                .as("requests in flight still use the first token")
                .isEmpty();
        assertThat(source.isLeaseValid(firstLease)).isTrue();

        client.letGo();

        assertThat(source.revokedLeases()).containsExactly(firstLease);
    }

    @Test
    void leasedVersion_consumerThatNeverLetsGo_losesThePreviousLeaseWhenItsHoldRunsOut() {
        source.dynamic("api/billing", n -> Map.of("token", "tok-" + n), Duration.ofHours(1), Duration.ofHours(3), true);
        secrets = builder()
                .refreshPolicy(RefreshPolicy.builder().spreadFirstRefresh(false).build())
                .build();
        TokenClient client = new TokenClient(scheduler.clock(), null);
        client.holdFor = Duration.ofMinutes(5);
        bind(client);
        String firstLease = secrets.get(REF).lease().orElseThrow().id().orElseThrow();
        secrets.refresh(REF);

        scheduler.advance(Duration.ofMinutes(4));
        assertThat(source.revokedLeases()).isEmpty();
        scheduler.advance(Duration.ofMinutes(1));

        assertThat(source.revokedLeases()).containsExactly(firstLease);
    }

    @Test
    void throwingListener_isIsolated_theOthersStillHearAndTheHandOverStands() {
        source.putFields("api/billing", Map.of("token", "tok-1"));
        secrets = builder().build();
        TokenClient client = new TokenClient(scheduler.clock(), "tok-1");
        List<HandOver> heard = new CopyOnWriteArrayList<>();
        ConsumerBinding binding = ConsumerBinding.builder(secrets, client, REF)
                .onHandOver(h -> {
                    throw new IllegalStateException("listener bug");
                })
                .onHandOver(heard::add)
                .bind();

        String v2 = source.putFields("api/billing", Map.of("token", "tok-2"));
        secrets.refresh(REF);

        assertThat(heard).singleElement().satisfies(h -> assertThat(h.version()).isEqualTo(v2));
        assertThat(binding.handOvers()).isEqualTo(1);
        assertThat(client.token()).isEqualTo("tok-2");
        assertThat(events.ofType(SecretEventType.HANDED_OVER)).hasSize(1);
    }

    @Test
    void close_laterVersionsAreNotOffered() {
        source.putFields("api/billing", Map.of("token", "tok-1"));
        secrets = builder().build();
        TokenClient client = new TokenClient(scheduler.clock(), "tok-1");
        ConsumerBinding binding = bind(client);

        binding.close();
        binding.close();
        source.putFields("api/billing", Map.of("token", "tok-2"));
        secrets.refresh(REF);

        assertThat(client.token()).isEqualTo("tok-1");
        assertThat(binding.handOvers()).isZero();
        assertThat(binding.toString()).contains("closed");
    }

    @Test
    void faultPaths_neverShowAToken_inEventsLogsHandOversOrToString() {
        String good = "tok-PLANTEDgood7f3a";
        String revoked = "revoked-PLANTEDrevoked91c2";
        String exploding = "explode-PLANTEDexplode5d0e";
        String missing = "PLANTEDmissing44b1";
        try (LeakCheck leaks =
                LeakCheck.builder().plant(good, revoked, exploding, missing).start()) {
            source.putFields("api/billing", Map.of("token", "tok-1"));
            TokenClient client = new TokenClient(scheduler.clock(), "tok-1");
            secrets = builder()
                    .eventListener(leaks)
                    .validator(REF, ConsumerBinding.validator(client))
                    .build();
            ConsumerBinding binding = bind(client);

            source.putFields("api/billing", Map.of("token", good));
            secrets.refresh(REF); // handed over
            source.putFields("api/billing", Map.of("token", revoked));
            leaks.check(catchThrowable(() -> secrets.refresh(REF))); // vetoed by the registered validator
            source.putFields("api/billing", Map.of("token", exploding));
            secrets.refresh(REF); // passes validation, the client throws while taking it
            source.putFields("api/billing", Map.of("tok", missing));
            leaks.check(catchThrowable(() -> secrets.refresh(REF))); // vetoed: no token field

            assertThat(binding.handOvers()).isEqualTo(1);
            assertThat(binding.refused()).isEqualTo(1);
            assertThat(binding.lastHandOver().orElseThrow().failure())
                    .as("the exception's class only, never its message")
                    .hasValue("failed: " + IllegalStateException.class.getName());
            leaks.check(binding, handOvers, events.events(), secrets.inventory());
            leaks.assertNoLeaks();
        }
    }
}
