package dev.rotor.secrets.spring;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Secrets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Details name refs, sources, states and Rotor's own error messages; never a value. Thread-safe.
 *
 * <pre>{@code
 * GET /actuator/health/rotor
 * {"status":"UP","details":{"rotor":"DEGRADED","problems":[{"ref":"vault:database/creds/app","state":"DEGRADED",...}]}}
 * }</pre>
 */
public final class RotorHealthIndicator implements HealthIndicator {
    private final Secrets secrets;

    public RotorHealthIndicator(Secrets secrets) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    @Override
    public Health health() {
        dev.rotor.secrets.Health health = secrets.health();
        Status status = health.status() == dev.rotor.secrets.Health.Status.DOWN ? Status.DOWN : Status.UP;
        List<Map<String, Object>> problems = new ArrayList<>();
        for (InventoryEntry e : health.problems()) {
            problems.add(RotorEndpoint.describe(e));
        }
        return Health.status(status)
                .withDetail("rotor", health.status().name())
                .withDetail("secrets", secrets.inventory().size())
                .withDetail("problems", problems)
                .build();
    }
}
