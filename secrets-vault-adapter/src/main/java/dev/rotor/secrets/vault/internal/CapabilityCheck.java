package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.AccessFinding;
import dev.rotor.secrets.spi.AccessFinding.Kind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The start-up least-privilege check: maps each ref to the Vault API paths its reads call and the capability each
 * needs ({@link VaultReads#neededCapabilities}), asks Vault once what the token may do there ({@code POST
 * sys/capabilities-self} with every path), and compares. A needed capability that is not granted (or a {@code deny})
 * is {@link Kind#MISSING}; a write, a delete, a patch or {@code sudo} where only a read is needed, and a root token,
 * are {@link Kind#EXCESS}; a Vault that refuses the check (403: a policy without the default one) or fails to answer
 * is {@link Kind#UNCHECKED}, a warning: the first read will tell. Findings name refs, paths and capabilities only.
 */
public final class CapabilityCheck {
    private static final Set<String> EXCESS_OVER_READ = Set.of("create", "update", "delete", "patch", "sudo");
    private static final Set<String> EXCESS_OVER_UPDATE = Set.of("delete", "patch", "sudo");

    /** Calls {@code sys/capabilities-self} with the source's token and answers the body. */
    public interface Caller {
        JsonNode capabilitiesSelf(SecretRef ref, JsonNode body);
    }

    private final String source;
    private final Function<SecretRef, Map<String, String>> needs;
    private final PathPolicy paths;
    private final Caller caller;

    public CapabilityCheck(
            String source, Function<SecretRef, Map<String, String>> needs, PathPolicy paths, Caller caller) {
        this.source = source;
        this.needs = needs;
        this.paths = paths;
        this.caller = caller;
    }

    public List<AccessFinding> check(Collection<SecretRef> refs) {
        List<AccessFinding> findings = new ArrayList<>();
        Map<SecretRef, Map<String, String>> needed = new LinkedHashMap<>();
        Set<String> all = new LinkedHashSet<>();
        for (SecretRef ref : refs) {
            try {
                paths.check(ref, source);
            } catch (SecretAccessDeniedException outside) {
                findings.add(AccessFinding.of(
                        Kind.MISSING,
                        ref,
                        ref.path(),
                        List.of("read"),
                        List.of(),
                        "ref is outside the source's allowPaths"));
                continue;
            }
            try {
                Map<String, String> n = needs.apply(ref);
                needed.put(ref, n);
                all.addAll(n.keySet());
            } catch (SecretException e) {
                findings.add(unchecked(
                        ref,
                        "could not map the ref to Vault paths (" + e.getClass().getSimpleName() + ")"));
            }
        }
        if (all.isEmpty()) {
            return findings;
        }
        ObjectNode body = VaultHttp.object();
        ArrayNode list = body.putArray("paths");
        all.forEach(list::add);
        JsonNode answer;
        SecretRef first = needed.keySet().iterator().next();
        try {
            answer = caller.capabilitiesSelf(first, body);
        } catch (SecretAccessDeniedException denied) {
            findings.add(unchecked(
                    null,
                    "Vault refused sys/capabilities-self (403): the token's policies do not include the default"
                            + " policy's rule for it; capabilities are not checked at start"));
            return findings;
        } catch (SecretException failed) {
            findings.add(unchecked(
                    null,
                    "sys/capabilities-self failed (" + failed.getClass().getSimpleName()
                            + "); capabilities are not checked at start"));
            return findings;
        }
        boolean root = false;
        for (Map.Entry<SecretRef, Map<String, String>> e : needed.entrySet()) {
            SecretRef ref = e.getKey();
            for (Map.Entry<String, String> p : e.getValue().entrySet()) {
                String path = p.getKey();
                String need = p.getValue();
                Set<String> granted = granted(answer, path);
                if (granted.contains("root")) {
                    root = true;
                    continue;
                }
                if (granted.contains("deny") || !granted.contains(need)) {
                    findings.add(AccessFinding.of(
                            Kind.MISSING,
                            ref,
                            path,
                            List.of(need),
                            List.copyOf(granted),
                            "the Vault token lacks a capability this secret needs"));
                    continue;
                }
                Set<String> excess = new TreeSet<>(granted);
                excess.retainAll(need.equals("read") ? EXCESS_OVER_READ : EXCESS_OVER_UPDATE);
                if (!excess.isEmpty() && !path.startsWith("sys/")) {
                    findings.add(AccessFinding.of(
                            Kind.EXCESS,
                            ref,
                            path,
                            List.of(need),
                            List.copyOf(granted),
                            "the Vault token may also " + String.join(", ", excess) + " where it needs only " + need));
                }
            }
        }
        if (root) {
            findings.add(AccessFinding.of(
                    Kind.EXCESS,
                    null,
                    null,
                    List.of(),
                    List.of("root"),
                    "the Vault token has the root policy: it may do anything; give the application a token with a"
                            + " policy for its own paths"));
        }
        return findings;
    }

    /** What the answer grants on {@code path}: under {@code data.<path>} (Vault 1.x), else at the top level. */
    private static Set<String> granted(JsonNode answer, String path) {
        JsonNode caps = null;
        if (answer != null) {
            JsonNode data = answer.get("data");
            if (data != null && data.isObject()) {
                caps = data.get(path);
            }
            if (caps == null) {
                caps = answer.get(path);
            }
        }
        Set<String> out = new TreeSet<>();
        if (caps != null && caps.isArray()) {
            for (JsonNode c : caps) {
                if (c.isTextual() && c.asText().length() <= 16 && c.asText().matches("[a-z_-]+")) {
                    out.add(c.asText());
                }
            }
        }
        return out;
    }

    private AccessFinding unchecked(SecretRef ref, String message) {
        return AccessFinding.of(Kind.UNCHECKED, ref, null, List.of(), List.of(), message);
    }
}
