package dev.rotor.secrets.spring;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.Secrets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code rotor} Actuator endpoint: every secret's inventory entry (ref, source, version, state, fetch time,
 * lease end, next refresh, last error, owner, maximum age, required, fresh) and the overall Rotor health. Never a
 * value. Expose it like any endpoint: {@code management.endpoints.web.exposure.include=health,rotor}.
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

    public RotorEndpoint(Secrets secrets) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
    }

    /** The inventory, as plain maps of strings, numbers and booleans, so any JSON mapper renders it. */
    @ReadOperation
    public Map<String, Object> inventory() {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (InventoryEntry e : secrets.inventory()) {
            entries.add(describe(e));
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
        e.lastError().ifPresent(t -> m.put("lastError", t));
        e.lastErrorAt().ifPresent(t -> m.put("lastErrorAt", t.toString()));
        e.owner().ifPresent(t -> m.put("owner", t));
        e.maxAge().ifPresent(t -> m.put("maxAge", t.toString()));
        m.put("required", e.required());
        m.put("fresh", e.fresh());
        return m;
    }
}
