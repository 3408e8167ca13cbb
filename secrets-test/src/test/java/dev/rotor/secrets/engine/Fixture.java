package dev.rotor.secrets.engine;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A client on a manual clock with a direct executor: every refresh runs inside {@code advance}. Its policies keep the
 * first refresh after a load on the steady-state rules ({@code spreadFirstRefresh} off), which most engine tests pin
 * down to the nanosecond; {@code StartupSpreadTest} covers the spread itself.
 */
final class Fixture implements AutoCloseable {
    /** The source's policy layer: sets nothing but {@code spreadFirstRefresh}, so client-wide policies still apply. */
    static final RefreshPolicy STEADY =
            RefreshPolicy.builder().spreadFirstRefresh(false).build();

    final ManualScheduler scheduler = new ManualScheduler();
    final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    final RecordingListener events = new RecordingListener();
    Secrets secrets;

    Fixture() {}

    /** A random generator that always draws {@code value}: makes jitter exact. */
    static RandomGenerator fixedRandom(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return (long) (value * Long.MAX_VALUE);
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    Secrets.Builder builder() {
        return rawBuilder().refreshPolicy("mem", STEADY);
    }

    /** The fixture's client without its {@link #STEADY} layer: every policy layer is the test's own. */
    Secrets.Builder rawBuilder() {
        return Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(fixedRandom(0.5))
                .eventListener(events);
    }

    Fixture start() {
        return start(builder());
    }

    Fixture start(Secrets.Builder b) {
        secrets = b.build();
        return this;
    }

    Fixture policy(RefreshPolicy policy) {
        return start(builder().refreshPolicy(policy));
    }

    Fixture stale(StalePolicy policy) {
        return start(builder().stalePolicy(policy));
    }

    void advance(Duration d) {
        scheduler.advance(d);
    }

    /** A dynamic secret: each fetch issues user-n/pass-n under a new lease. */
    void dynamic(String path, Duration ttl, Duration maxTtl, boolean renewable) {
        source.dynamic(path, n -> Map.of("username", "user-" + n, "password", "pass-" + n), ttl, maxTtl, renewable);
    }

    @Override
    public void close() {
        if (secrets != null) {
            secrets.close();
        }
    }
}
