package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.RecordingObserver;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The flight observer: each store call and each hand-over is one flight of the right kind, started and stopped once,
 * with its outcome and the failure's class; reads of a loaded secret start none.
 */
class FlightObserverTest {
    private final RecordingObserver flights = new RecordingObserver();

    private Fixture start(Fixture f) {
        return f.start(f.builder().observer(flights));
    }

    @Test
    void firstLoad_isOneRefreshFlight_andReadsOfTheLoadedSecretStartNone() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            start(f);

            f.secrets.get("mem:api");
            for (int i = 0; i < 1_000; i++) {
                f.secrets.get("mem:api");
                f.secrets.value("mem:api");
            }

            assertThat(flights.lines()).containsExactly("REFRESH mem:api mem SUCCESS");
            assertThat(flights.flights().get(0).stops()).isEqualTo(1);
            assertThat(flights.flights().get(0).ref()).isEqualTo(SecretRef.parse("mem:api"));
        }
    }

    @Test
    void poll_isARefreshFlight_forTheProbe_andAnotherForTheFetchOfTheNewVersion() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            start(f);
            f.secrets.get("mem:api");
            flights.clear();

            f.advance(Duration.ofMinutes(5)); // the probe: unchanged
            assertThat(f.source.count(Operation.PROBE)).isEqualTo(1);
            assertThat(flights.lines()).containsExactly("REFRESH mem:api mem SUCCESS");

            f.source.put("api", "k2");
            f.advance(Duration.ofMinutes(5)); // the probe sees version 2, the fetch brings it
            assertThat(f.secrets.get("mem:api").version()).isEqualTo("2");
            assertThat(flights.lines())
                    .containsExactly(
                            "REFRESH mem:api mem SUCCESS",
                            "REFRESH mem:api mem SUCCESS",
                            "REFRESH mem:api mem SUCCESS");
        }
    }

    @Test
    void failedRefresh_stopsWithFailure_andTheErrorClass_whileTheLastGoodVersionStays() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            start(f);
            f.secrets.get("mem:api");
            flights.clear();
            f.source.failNext(1, () -> new SourceUnavailableException("mem down", null, "mem"));

            f.advance(Duration.ofMinutes(5));

            // the probe fails; its retry, after the backoff, succeeds
            assertThat(flights.lines())
                    .containsExactly(
                            "REFRESH mem:api mem FAILURE SourceUnavailableException", "REFRESH mem:api mem SUCCESS");
            assertThat(flights.flights().get(0).error()).isEqualTo(SourceUnavailableException.class);
            assertThat(flights.flights().get(0).outcome()).isEqualTo(FlightObserver.Outcome.FAILURE);
            assertThat(f.secrets.get("mem:api").version()).isEqualTo("1");
        }
    }

    @Test
    void failedFirstLoad_isAFailedRefreshFlight() {
        try (Fixture f = new Fixture()) {
            start(f);

            assertThatThrownBy(() -> f.secrets.get("mem:missing")).hasMessageContaining("mem:missing");

            assertThat(flights.lines()).containsExactly("REFRESH mem:missing mem FAILURE SecretNotFoundException");
        }
    }

    @Test
    void throttledRefresh_stopsAsThrottled_notAsAFailure() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            start(f);
            f.secrets.get("mem:api");
            flights.clear();
            f.source.failNext(
                    1,
                    () -> new SourceThrottledException(
                            "mem throttled (429)", null, "mem", Duration.ofSeconds(30), null));

            f.advance(Duration.ofMinutes(5));

            assertThat(flights.lines()).containsExactly("REFRESH mem:api mem THROTTLED SourceThrottledException");
        }
    }

    @Test
    void renewal_isARenewalFlight_andAFailedOneSaysSo() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(10), true);
            start(f);
            f.secrets.get("mem:db");
            flights.clear();

            f.advance(Duration.ofMinutes(37));
            assertThat(f.source.count(Operation.RENEW)).isEqualTo(1);
            assertThat(flights.lines()).containsExactly("RENEWAL mem:db mem SUCCESS");

            f.source.failOnly(Set.of(Operation.RENEW));
            f.source.failNext(1, () -> new SourceUnavailableException("mem down", null, "mem"));
            f.advance(Duration.ofMinutes(37));
            assertThat(flights.lines(FlightObserver.Kind.RENEWAL))
                    .containsExactly(
                            "RENEWAL mem:db mem SUCCESS", "RENEWAL mem:db mem FAILURE SourceUnavailableException");
            assertThat(f.secrets.get("mem:db").version()).isEqualTo("1");
        }
    }

    @Test
    void renewalCappedByTheMaxTtl_isFollowedByARotationFlight() {
        try (Fixture f = new Fixture()) {
            // ttl 1h, max 70 min: the renewal at 37 min is capped to 33 min, so the engine rotates early
            f.dynamic("db", Duration.ofHours(1), Duration.ofMinutes(70), true);
            start(f);
            f.secrets.get("mem:db");
            flights.clear();

            f.advance(Duration.ofMinutes(37));

            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
            assertThat(flights.lines()).containsExactly("RENEWAL mem:db mem SUCCESS", "ROTATION mem:db mem SUCCESS");
        }
    }

    @Test
    void leaseThatCannotBeRenewed_isReplacedByARotationFlight() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            start(f);
            f.secrets.get("mem:db");
            flights.clear();

            f.advance(Duration.ofMinutes(37));

            assertThat(f.secrets.get("mem:db").version()).isEqualTo("2");
            assertThat(flights.lines()).containsExactly("ROTATION mem:db mem SUCCESS");
        }
    }

    @Test
    void compromisedSecret_onASourceThatRotates_isARotationFlight() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            start(f);
            f.secrets.get("mem:api");
            flights.clear();

            f.secrets.compromised("mem:api");

            assertThat(f.source.count(Operation.ROTATE)).isEqualTo(1);
            assertThat(flights.lines()).containsExactly("ROTATION mem:api mem SUCCESS");
        }
    }

    @Test
    void batchLoad_isOneRefreshFlight_withoutARef() {
        try (Fixture f = new Fixture()) {
            f.source.put("a", "1");
            f.source.put("b", "2");
            start(f);

            f.secrets.preload(List.of("mem:a", "mem:b"));

            assertThat(f.source.count(Operation.FETCH_ALL)).isEqualTo(1);
            assertThat(flights.lines()).containsExactly("REFRESH - mem SUCCESS");
        }
    }

    /** A client holding the secret's raw value as its key; refuses a value that starts with {@code bad}. */
    private static final class KeyHolder implements SecretConsumer {
        volatile String key;

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
            String v = change.current().value();
            if (v.startsWith("bad")) {
                throw new SecretRejectedException("key refused", change.ref(), name());
            }
            key = v;
        }
    }

    @Test
    void handOver_isAHandOverFlightNamedByTheConsumer_andARefusalIsRejected() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            start(f);
            KeyHolder holder = new KeyHolder();
            try (ConsumerBinding binding = ConsumerBinding.bind(f.secrets, holder, "mem:api")) {
                assertThat(holder.key).isEqualTo("k1");
                f.source.put("api", "bad-2");
                f.secrets.refresh("mem:api");
                assertThat(binding.refused()).isEqualTo(1);
                f.source.put("api", "k3");
                f.secrets.refresh("mem:api");
                assertThat(holder.key).isEqualTo("k3");
            }

            assertThat(flights.lines(FlightObserver.Kind.HAND_OVER))
                    .containsExactly(
                            "HAND_OVER mem:api billing SUCCESS",
                            "HAND_OVER mem:api billing REJECTED SecretRejectedException",
                            "HAND_OVER mem:api billing SUCCESS");
        }
    }

    @Test
    void observerThatThrows_isIsolated_theRefreshGoesOnAsIfThereWereNone() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            List<String> stopped = new CopyOnWriteArrayList<>();
            FlightObserver throwsAtStart = (kind, ref, source) -> {
                throw new IllegalStateException("observer broken");
            };
            FlightObserver throwsAtStop = (kind, ref, source) -> (outcome, error) -> {
                stopped.add(kind + " " + outcome);
                throw new IllegalStateException("flight broken");
            };
            f.start(f.builder().observer(throwsAtStart));
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k1");
            f.close();

            f.start(f.builder().observer(throwsAtStop));
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k1");
            f.source.put("api", "k2");
            f.advance(Duration.ofMinutes(5));
            assertThat(f.secrets.get("mem:api").value()).isEqualTo("k2");
            assertThat(stopped).containsExactly("REFRESH SUCCESS", "REFRESH SUCCESS", "REFRESH SUCCESS");
        }
    }

    @Test
    void concurrentRefreshes_onRealThreads_stopEveryFlightExactlyOnce() throws Exception {
        ExecutorService engineThreads = Executors.newFixedThreadPool(4);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 4; i++) {
                f.source.put("s" + i, "v");
            }
            f.start(f.builder()
                    .executor(engineThreads)
                    .refreshPolicy(
                            RefreshPolicy.builder().maxInFlightPerSource(3).build())
                    .observer(flights));
            List<Future<?>> running = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 8; t++) {
                int n = t;
                running.add(callers.submit(() -> {
                    for (int i = 0; i < 200; i++) {
                        String ref = "mem:s" + ((n + i) % 4);
                        f.secrets.get(ref);
                        if (i % 5 == 0) {
                            f.source.put(ref.substring(4), "v" + n + "-" + i);
                            f.secrets.refresh(ref);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> r : running) {
                r.get(30, TimeUnit.SECONDS);
            }

            List<RecordingObserver.Recorded> all = flights.flights();
            assertThat(all).isNotEmpty();
            assertThat(all).allSatisfy(r -> {
                assertThat(r.stops()).isEqualTo(1);
                assertThat(r.outcome()).isEqualTo(FlightObserver.Outcome.SUCCESS);
                assertThat(r.kind()).isEqualTo(FlightObserver.Kind.REFRESH);
            });
            // one flight per store call, whatever the threads did
            assertThat(all)
                    .hasSize(f.source.count(Operation.FETCH)
                            + f.source.count(Operation.PROBE)
                            + f.source.count(Operation.FETCH_ALL));
        } finally {
            callers.shutdownNow();
            engineThreads.shutdownNow();
            assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(engineThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void clientWithoutAnObserver_saysSo() {
        try (Fixture f = new Fixture()) {
            f.start();
            assertThat(f.secrets.observer()).isEmpty();
            Secrets with = f.builder().observer(flights).build();
            try {
                assertThat(with.observer()).contains(flights);
            } finally {
                with.close();
            }
        }
    }
}
