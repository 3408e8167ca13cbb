package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/** WireMock standing in for Vault, and a client on a manual clock with direct executors around a {@link VaultSource}. */
final class VaultHarness implements AutoCloseable {
    static final RefreshPolicy POLICY = RefreshPolicy.builder()
            .leaseJitter(0)
            .pollJitter(0)
            .spreadFirstRefresh(false) // the first refresh after a load on the steady rule too: timing to the second
            .afterRotationDelay(Duration.ofSeconds(5))
            .initialBackoff(Duration.ofSeconds(1))
            .maxBackoff(Duration.ofSeconds(30))
            .build();

    final WireMockServer wm;
    final VaultStubs stubs;
    final ManualScheduler scheduler = new ManualScheduler();
    final RecordingListener events = new RecordingListener();
    private final List<SecretEventListener> listeners;
    VaultSource source;
    Secrets secrets;

    /** {@code listeners} get every event of the client, after {@link #events}. */
    VaultHarness(SecretEventListener... listeners) {
        this(wireMockConfig(), listeners);
    }

    /** On a server configured by {@code config} (its port and address are set here). */
    VaultHarness(WireMockConfiguration config, SecretEventListener... listeners) {
        this.listeners = List.of(listeners);
        wm = new WireMockServer(config.dynamicPort().bindAddress("127.0.0.1"));
        wm.start();
        stubs = new VaultStubs(wm);
    }

    String address() {
        return "http://127.0.0.1:" + wm.port();
    }

    VaultSource.Builder sourceBuilder(VaultAuth auth) {
        return VaultSource.builder()
                .address(address())
                .auth(auth)
                .readTimeout(Duration.ofSeconds(2))
                .sessionExecutor(ManualScheduler.directExecutor());
    }

    VaultHarness start(VaultAuth auth) {
        return start(sourceBuilder(auth), b -> b);
    }

    VaultHarness start(VaultSource.Builder sb, UnaryOperator<Secrets.Builder> more) {
        source = sb.build();
        Secrets.Builder b = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(fixed(0.5))
                .refreshPolicy(POLICY)
                .eventListener(events);
        listeners.forEach(b::eventListener);
        secrets = more.apply(b).build();
        return this;
    }

    static RandomGenerator fixed(double value) {
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

    void advance(Duration d) {
        scheduler.advance(d);
    }

    @Override
    public void close() {
        try {
            if (secrets != null) {
                secrets.close();
            }
        } finally {
            wm.stop();
        }
    }
}
