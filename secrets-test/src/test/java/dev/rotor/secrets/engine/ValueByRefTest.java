package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretExpiredException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@code Secrets.value(ref)} keeps the version's String in the entry once asked for: it must follow every change of
 * the version in service (a rotation, a lease's end, the client's close) exactly as a read of the version does.
 */
class ValueByRefTest {
    @Test
    void afterARotation_valueAnswersTheNewVersion() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.start();
            assertThat(f.secrets.value("mem:api")).isEqualTo("k1");
            assertThat(f.secrets.value("mem:api")).isEqualTo("k1");

            f.source.put("api", "k2");
            f.secrets.refresh("mem:api");

            assertThat(f.secrets.value("mem:api")).isEqualTo("k2");
        }
    }

    @Test
    void atTheLeaseEnd_valueStopsAnswering_underTheStrictPolicy() {
        try (Fixture f = new Fixture()) {
            f.source.dynamic(
                    "db", n -> Map.of("password", "pass-" + n), Duration.ofMinutes(60), Duration.ofHours(10), false);
            f.start();
            assertThat(f.secrets.value("mem:db")).isEqualTo("pass-1");
            f.source.goDown();

            f.advance(Duration.ofMinutes(59));
            assertThat(f.secrets.value("mem:db")).isEqualTo("pass-1");
            f.advance(Duration.ofMinutes(1));

            assertThatThrownBy(() -> f.secrets.value("mem:db"))
                    .isInstanceOf(SecretExpiredException.class)
                    .hasMessageContaining("mem:db");
        }
    }

    @Test
    void afterClose_valueNoLongerAnswersTheWipedVersion() {
        Fixture f = new Fixture();
        f.source.put("api", "k1");
        f.start();
        assertThat(f.secrets.value("mem:api")).isEqualTo("k1");

        f.close();

        assertThatThrownBy(() -> f.secrets.value("mem:api")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void readersRacingRotations_onlySeeVersionsThatWereInService_andSettleOnTheLast() throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(4);
        try (Fixture f = new Fixture()) {
            f.source.put("api", "v0");
            f.start();
            f.secrets.value("mem:api");
            Set<String> served = ConcurrentHashMap.newKeySet();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                work.add(readers.submit(() -> {
                    go.await(5, TimeUnit.SECONDS);
                    while (!stop.get()) {
                        served.add(f.secrets.value("mem:api"));
                    }
                    return null;
                }));
            }
            go.countDown();
            int rotations = 300;
            for (int k = 1; k <= rotations; k++) {
                f.source.put("api", "v" + k);
                f.secrets.refresh("mem:api");
            }
            stop.set(true);
            for (Future<?> w : work) {
                w.get(30, TimeUnit.SECONDS);
            }

            assertThat(f.secrets.value("mem:api")).isEqualTo("v" + rotations);
            for (String v : served) {
                assertThat(v).matches("v\\d+");
                assertThat(Integer.parseInt(v.substring(1))).isBetween(0, rotations);
            }
        } finally {
            readers.shutdownNow();
            assertThat(readers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
