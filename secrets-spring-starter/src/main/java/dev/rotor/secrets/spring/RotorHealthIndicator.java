package dev.rotor.secrets.spring;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.PoolStatus;
import dev.rotor.secrets.spring.internal.SslBundleStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The {@code rotor} health contributor, derived from {@link Secrets#health()}:
 *
 * <ul>
 *   <li>{@code DOWN} when a secret declared required is past its lease or cannot load;
 *   <li>{@code UP} with the detail {@code rotor=DEGRADED} and the failing secrets listed while refreshes fail (the
 *       last good versions are still served, so the application still works: degraded is not a reason for a load
 *       balancer to take it out);
 *   <li>{@code UP} with {@code rotor=UP} otherwise.
 * </ul>
 *
 * With {@code rotor.datasource.ref}, the detail {@code pools} lists the bound pool: the version whose credentials it
 * holds, the newest version Rotor knows of, and {@code BEHIND} when a refused version left it on older credentials
 * (which makes {@code rotor=DEGRADED}); a hand-over under way is not behind. The detail {@code sloBreaches} lists the
 * secrets that miss their freshness objective ({@link dev.rotor.secrets.SecretSlo}), with owner, criticality and the
 * breach; a breach alone does not change the status (the version held still works until its lease ends).
 *
 * <p>With {@code rotor.ssl.bundle.<name>.*}, the detail {@code sslBundles} lists each Rotor SSL bundle: its name and
 * ref, its state, the certificate in service (version, subject, serial, notBefore, notAfter, time left on the client's
 * clock), the trusted CAs, when Spring Boot's registry last took a version, and the last version refused with its
 * reason. A bundle whose certificate has expired, whose CAs have all expired or that was never loaded makes the health
 * {@code DOWN} (as a required secret past its lease does): TLS with it fails. A bundle left {@code BEHIND} on an older,
 * still valid version makes {@code rotor=DEGRADED}.
 *
 * <p>{@code warnings} lists what the sources found when they checked their permissions at start (more granted than
 * the secrets need, a root token, a check the store refused); warnings do not change the status.
 *
 * <p>Details name refs, sources, versions, states and Rotor's own error messages; never a value. Thread-safe.
 *
 * <pre>{@code
 * GET /actuator/health/rotor
 * {"status":"UP","details":{"rotor":"DEGRADED","problems":[{"ref":"vault:database/creds/app","state":"DEGRADED",...}]}}
 * }</pre>
 */
public final class RotorHealthIndicator implements HealthIndicator {
    private final Secrets secrets;
    private final Supplier<List<PoolStatus>> pools;
    private final Supplier<List<SslBundleStatus>> sslBundles;

    public RotorHealthIndicator(Secrets secrets) {
        this(secrets, List::of);
    }

    /** With the pools bound to secrets ({@code rotor.datasource.ref}): each one a detail, degraded while behind. */
    RotorHealthIndicator(Secrets secrets, Supplier<List<PoolStatus>> pools) {
        this(secrets, pools, List::of);
    }

    /** With the pools and the SSL bundles ({@code rotor.ssl.bundle.*}): down when a bundle's certificate is unusable. */
    RotorHealthIndicator(
            Secrets secrets, Supplier<List<PoolStatus>> pools, Supplier<List<SslBundleStatus>> sslBundles) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.pools = Objects.requireNonNull(pools, "pools");
        this.sslBundles = Objects.requireNonNull(sslBundles, "sslBundles");
    }

    @Override
    public Health health() {
        dev.rotor.secrets.Health health = secrets.health();
        Status status = health.status() == dev.rotor.secrets.Health.Status.DOWN ? Status.DOWN : Status.UP;
        List<Map<String, Object>> problems = new ArrayList<>();
        for (InventoryEntry e : health.problems()) {
            problems.add(RotorEndpoint.describe(e));
        }
        String rotor = health.status().name();
        List<Map<String, Object>> poolDetails = new ArrayList<>();
        for (PoolStatus pool : pools.get()) {
            poolDetails.add(pool.describe());
            if (pool.behind() && health.status() == dev.rotor.secrets.Health.Status.UP) {
                rotor = dev.rotor.secrets.Health.Status.DEGRADED.name();
            }
        }
        List<Map<String, Object>> bundleDetails = new ArrayList<>();
        for (SslBundleStatus bundle : sslBundles.get()) {
            bundleDetails.add(bundle.describe());
            if (bundle.state().down()) {
                status = Status.DOWN;
                rotor = dev.rotor.secrets.Health.Status.DOWN.name();
            } else if (bundle.state() == SslBundleStatus.State.BEHIND
                    && rotor.equals(dev.rotor.secrets.Health.Status.UP.name())) {
                rotor = dev.rotor.secrets.Health.Status.DEGRADED.name();
            }
        }
        List<InventoryEntry> inventory = secrets.inventory();
        List<Map<String, Object>> breaches = new ArrayList<>();
        for (InventoryEntry e : inventory) {
            if (!e.slo().met()) {
                Map<String, Object> b = new java.util.LinkedHashMap<>();
                b.put("ref", e.ref().toString());
                b.put("source", e.source());
                e.owner().ifPresent(o -> b.put("owner", o));
                b.put("criticality", e.criticality().name());
                b.putAll(RotorEndpoint.describe(e.slo()));
                breaches.add(b);
            }
        }
        Health.Builder builder = Health.status(status)
                .withDetail("rotor", rotor)
                .withDetail("secrets", inventory.size())
                .withDetail("problems", problems)
                .withDetail("sloBreaches", breaches);
        if (!poolDetails.isEmpty()) {
            builder.withDetail("pools", poolDetails);
        }
        if (!bundleDetails.isEmpty()) {
            builder.withDetail("sslBundles", bundleDetails);
        }
        if (!health.warnings().isEmpty()) {
            // what the sources' start-up permission checks warned about (excess capabilities, a root token)
            builder.withDetail("warnings", health.warnings());
        }
        return builder.build();
    }
}
