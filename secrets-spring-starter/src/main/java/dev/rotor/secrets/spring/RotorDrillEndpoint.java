package dev.rotor.secrets.spring;

import dev.rotor.secrets.DrillReport;
import dev.rotor.secrets.InvalidSecretRefException;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code rotor} Actuator endpoint with its write operation: a rotation drill ({@link Secrets#drill}) of the
 * secrets named. Published instead of {@link RotorEndpoint} only when {@code rotor.endpoint.drill.enabled=true}
 * (default false: a drill replaces real credentials); without it there is no write operation at all. It is the same
 * endpoint, so it is exposed, secured and access-controlled as the {@code rotor} endpoint is ({@code
 * management.endpoint.rotor.access=read-only} removes the operation; the application's security protects {@code POST}
 * on it like any Actuator write).
 *
 * <pre>{@code
 * POST /actuator/rotor/drill  {"refs":"vault:database/creds/orders,vault:secret/orders/api"}
 * {"succeeded":true,"durationMs":412,"secrets":[{"ref":"vault:database/creds/orders","outcome":"SUCCEEDED",
 *   "action":"reissue","consumers":[{"name":"orders","kind":"pool","succeeded":true,"durationMs":37}],...}]}
 * }</pre>
 *
 * <p>Only secrets the client already holds or declares can be drilled: a ref it does not know is answered as a
 * failure without touching the store, so the endpoint cannot be used to load new secrets. At most {@value #MAX_REFS}
 * refs per call. Thread-safe; drills run on the calling thread, one secret after another.
 */
@Endpoint(id = "rotor")
public class RotorDrillEndpoint extends RotorEndpoint {
    /** The most refs one drill call takes. */
    public static final int MAX_REFS = 50;

    private final Secrets secrets;
    private final Duration timeout;

    public RotorDrillEndpoint(Secrets secrets, Show showDetails, Set<String> roles, Duration timeout) {
        super(secrets, showDetails, roles);
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * {@code POST /actuator/rotor/drill} with {@code {"refs":"ref1,ref2"}}: drills each secret and answers the report.
     * Over HTTP the refs are one string, separated by commas: Actuator reads a request body as a map of strings (a
     * JSON array there is refused with a 400) and converts the string to the list; a ref whose parameters hold a
     * comma cannot be named this way. Any other selector answers an error entry and drills nothing.
     */
    @WriteOperation
    public Map<String, Object> drill(@Selector String operation, @Nullable List<String> refs) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!"drill".equals(operation)) {
            out.put("error", "unknown operation; POST /actuator/rotor/drill with {\"refs\":\"ref1,ref2\"}");
            return out;
        }
        if (refs == null || refs.isEmpty()) {
            out.put("error", "refs is required: the secrets to drill");
            return out;
        }
        if (refs.size() > MAX_REFS) {
            out.put("error", "at most " + MAX_REFS + " refs per drill");
            return out;
        }
        Set<SecretRef> known = new HashSet<>();
        for (InventoryEntry e : secrets.inventory()) {
            known.add(e.ref());
        }
        List<String> drill = new ArrayList<>();
        List<Map<String, Object>> refused = new ArrayList<>();
        for (String text : refs) {
            SecretRef ref;
            try {
                ref = SecretRef.parse(text).withoutField();
            } catch (InvalidSecretRefException e) {
                refused.add(Map.of("outcome", "FAILED", "reason", "not a valid ref"));
                continue;
            }
            if (!known.contains(ref)) {
                refused.add(Map.of(
                        "ref", ref.toString(), "outcome", "FAILED", "reason", "not held or declared by this client"));
                continue;
            }
            drill.add(ref.toString());
        }
        DrillReport report = drill.isEmpty() ? null : secrets.drill(drill, timeout);
        List<Map<String, Object>> results = new ArrayList<>();
        if (report != null) {
            for (DrillReport.SecretResult r : report.secrets()) {
                results.add(describe(r));
            }
        }
        results.addAll(refused);
        out.put("succeeded", refused.isEmpty() && (report == null || report.succeeded()));
        out.put("durationMs", report == null ? 0 : report.duration().toMillis());
        out.put("secrets", results);
        return out;
    }

    private static Map<String, Object> describe(DrillReport.SecretResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ref", r.ref().toString());
        r.source().ifPresent(s -> m.put("source", s));
        m.put("outcome", r.outcome().name());
        r.action().ifPresent(a -> m.put("action", a));
        r.reason().ifPresent(a -> m.put("reason", a));
        r.previousVersion().ifPresent(v -> m.put("previousVersion", v));
        r.version().ifPresent(v -> m.put("version", v));
        m.put("durationMs", r.duration().toMillis());
        List<Map<String, Object>> consumers = new ArrayList<>();
        for (DrillReport.ConsumerResult c : r.consumers()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.name());
            cm.put("kind", c.kind());
            cm.put("succeeded", c.succeeded());
            c.reason().ifPresent(x -> cm.put("reason", x));
            c.duration().ifPresent(d -> cm.put("durationMs", d.toMillis()));
            consumers.add(cm);
        }
        m.put("consumers", consumers);
        return m;
    }
}
