package dev.rotor.benchmarks.fleet;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.VersionProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * One client's source for the {@link SimulatedStore}, shaped like the Secrets Manager adapter: a fetch is a {@code
 * GET} (GetSecretValue), the cheap version probe is a {@code DESCRIBE} (DescribeSecret), which also tells the next
 * rotation date. Every client has its own instance; the fleet counts the calls its sources make, apart from what the
 * store counts, so that the two can be checked against each other.
 */
final class StoreSource implements SecretSource {
    static final String SCHEME = "sim";

    private final SimulatedStore store;
    private final VirtualScheduler clock;
    private final long[] calls;

    /** {@code calls}: the fleet's own counter, indexed by {@link SimulatedStore.Op#ordinal()}. */
    StoreSource(SimulatedStore store, VirtualScheduler clock, long[] calls) {
        this.store = store;
        this.clock = clock;
        this.calls = calls;
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return EnumSet.of(SourceCapability.PROBE_VERSION);
    }

    @Override
    public Secret fetch(FetchRequest request) {
        SecretRef ref = request.ref();
        calls[SimulatedStore.Op.GET.ordinal()]++;
        SimulatedStore.Answer a = store.get(ref, SCHEME);
        Instant now = clock.timeSource().now();
        Secret.Builder b = Secret.builder(ref).version(a.version).value(a.value).fetchedAt(now);
        if (a.leaseTtlNanos > 0) {
            b.lease(Lease.of(a.version, Duration.ofNanos(a.leaseTtlNanos), false, at(a.leaseIssuedNanos)));
        }
        if (a.nextRotationNanos >= 0) {
            b.nextRotation(at(a.nextRotationNanos));
        }
        return b.build();
    }

    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        return probe(ref).map(VersionProbe::version);
    }

    @Override
    public Optional<VersionProbe> probe(SecretRef ref) {
        calls[SimulatedStore.Op.DESCRIBE.ordinal()]++;
        SimulatedStore.Description d = store.describe(ref, SCHEME);
        // as the Secrets Manager adapter does: DescribeSecret's NextRotationDate goes to the engine with the probe
        return Optional.of(
                VersionProbe.of(d.version).withNextRotation(d.nextRotationNanos >= 0 ? at(d.nextRotationNanos) : null));
    }

    private Instant at(long nanos) {
        return clock.epoch().plusNanos(nanos);
    }
}
