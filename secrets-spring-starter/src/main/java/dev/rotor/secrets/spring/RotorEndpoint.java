package dev.rotor.secrets.spring;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.SecretSlo;
import dev.rotor.secrets.Secrets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code rotor} Actuator endpoint: every secret's inventory entry (ref, source, version, state, fetch time,
 * lease end, next refresh, last error, owner, maximum age, required, fresh, criticality, rotation cadence, and its
 * freshness objective under {@code slo}: met, the breach, age, time since the last check and lease left in seconds)
 * and the overall Rotor health. Never a
 * value. Expose it like any endpoint: {@code management.endpoints.web.exposure.include=health,rotor}.
 *
 * <p>Version ids and last-error text are details, shown as {@code management.endpoint.rotor.show-details} says
 * ({@code never}, {@code when-authorized}, the default, or {@code always}, like the health endpoint's; with {@code
 * when-authorized}, {@code management.endpoint.rotor.roles} narrows who sees them). Without details each entry keeps
 * its ref, source, state, times, owner, maximum age, required and fresh, and says {@code "details":"hidden"}.
 *
 * <pre>{@code
 * GET /actuator/rotor
 * {"health":"UP","secrets":[{"ref":"file:/run/secrets/db","source":"file","version":"3","state":"ACTIVE",...}]}
 * }</pre>
 *
 * <p>Thread-safe; every read takes a fresh inventory.
 */
@Endpoint(id = "rotor")
public class RotorEndpoint {
    private final Secrets secrets;
    private final Show showDetails;
    private final Set<String> roles;

    /** An endpoint that shows details to authenticated callers only ({@code when-authorized}, any role). */
    public RotorEndpoint(Secrets secrets) {
        this(secrets, Show.WHEN_AUTHORIZED, Set.of());
    }

    /** An endpoint that shows details as {@code showDetails} says, {@code roles} narrowing {@code WHEN_AUTHORIZED}. */
    public RotorEndpoint(Secrets secrets, Show showDetails, Set<String> roles) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.showDetails = Objects.requireNonNull(showDetails, "showDetails");
        this.roles = Set.copyOf(roles);
    }

    /**
     * The inventory, as plain maps of strings, numbers and booleans, so any JSON mapper renders it; version ids and
     * last errors only when {@code caller} may see details.
     */
    @ReadOperation
    public Map<String, Object> inventory(SecurityContext caller) {
        boolean details = showDetails.isShown(caller == null ? SecurityContext.NONE : caller, roles);
        List<Map<String, Object>> entries = new ArrayList<>();
        for (InventoryEntry e : secrets.inventory()) {
            Map<String, Object> m = describe(e);
            if (!details) {
                m.remove("version");
                m.remove("lastError");
                m.put("details", "hidden");
            }
            entries.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("health", secrets.health().status().name());
        out.put("secrets", entries);
        return out;
    }

    static Map<String, Object> describe(InventoryEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ref", e.ref().toString());
        m.put("source", e.source());
        e.version().ifPresent(v -> m.put("version", v));
        m.put("state", e.state().name());
        e.fetchedAt().ifPresent(t -> m.put("fetchedAt", t.toString()));
        e.expiresAt().ifPresent(t -> m.put("expiresAt", t.toString()));
        e.nextRefresh().ifPresent(t -> m.put("nextRefresh", t.toString()));
        e.checkedAt().ifPresent(t -> m.put("checkedAt", t.toString()));
        // a look at the store that is due but waits for the source's request budget: not a failure
        m.put("waitingForBudget", e.waitingForBudget());
        e.lastError().ifPresent(t -> m.put("lastError", t));
        e.lastErrorAt().ifPresent(t -> m.put("lastErrorAt", t.toString()));
        e.owner().ifPresent(t -> m.put("owner", t));
        e.maxAge().ifPresent(t -> m.put("maxAge", t.toString()));
        m.put("required", e.required());
        m.put("fresh", e.fresh());
        m.put("criticality", e.criticality().name());
        e.rotationCadence().ifPresent(t -> m.put("rotationCadence", t.toString()));
        m.put("slo", describe(e.slo()));
        return m;
    }

    /** The freshness objective: met, the breach if any, and its measures in seconds. */
    static Map<String, Object> describe(SecretSlo slo) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("met", slo.met());
        slo.breach().ifPresent(b -> m.put("breach", b.name()));
        slo.age().ifPresent(d -> m.put("ageSeconds", d.toSeconds()));
        slo.sinceLastCheck().ifPresent(d -> m.put("sinceLastCheckSeconds", d.toSeconds()));
        slo.leaseRemaining().ifPresent(d -> m.put("leaseRemainingSeconds", d.toSeconds()));
        return m;
    }
}
