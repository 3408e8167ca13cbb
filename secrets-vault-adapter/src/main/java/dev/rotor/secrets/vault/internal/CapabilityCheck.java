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
 * needs ({@link VaultReads#neededCapabilities}), and to the paths the client will call later in the secret's life
 * ({@link VaultReads#lifecycleCapabilities}: revoking a replaced lease or certificate), adds the source's own token
 * renewal ({@code auth/token/renew-self}, when the token is renewable), asks Vault once what the token may do there
 * ({@code POST sys/capabilities-self} with every path), and compares.
 *
 * <ul>
 *   <li>A capability a read needs that is not granted (or a {@code deny}) is {@link Kind#MISSING}: the client refuses
 *       to start. So is {@code update} on {@code sys/leases/renew} for a dynamic secret: without it every renewal is
 *       refused, so the secret is served only until its first lease ends and then not at all until a new one is
 *       issued, an outage on a timer that is better found at start.
 *   <li>A capability a later step needs is {@link Kind#LIMITED}, a warning naming path and capability: without {@code
 *       update} on {@code sys/leases/revoke} (or {@code <pki mount>/revoke} with {@code revokeReplacedCertificates})
 *       a replaced credential stays valid until its own TTL ends instead of being revoked, which weakens hygiene but
 *       loses no read; without {@code auth/token/renew-self} the token is not renewed, so it serves until its TTL
 *       ends and is then replaced by a new login (a given token just ends, which the warning says). Vault's default
 *       policy grants renew-self; refusing to start would turn a token that works for its whole TTL into an outage
 *       now.
 *   <li>A write, a delete, a patch or {@code sudo} where only a read is needed, and a root token, are {@link
 *       Kind#EXCESS}; a Vault that refuses the check (403: a policy without the default one) or fails to answer is
 *       {@link Kind#UNCHECKED}, a warning: the first read will tell.
 * </ul>
 *
 * Findings name refs, paths and capabilities only.
 */
public final class CapabilityCheck {
    private static final Set<String> EXCESS_OVER_READ = Set.of("create", "update", "delete", "patch", "sudo");
    private static final Set<String> EXCESS_OVER_UPDATE = Set.of("delete", "patch", "sudo");

    /** Calls {@code sys/capabilities-self} with the source's token and answers the body. */
    public interface Caller {
        JsonNode capabilitiesSelf(SecretRef ref, JsonNode body);
    }

    /** A call the client makes later in a secret's (or the token's) life: its path, capability, and what is lost. */
    public static final class Step {
        final String path;
        final String capability;
        final String without;

        /**
         * @param without what happens when the capability is missing, in words (no value, no token)
         */
        public Step(String path, String capability, String without) {
            this.path = path;
            this.capability = capability;
            this.without = without;
        }

        @Override
        public String toString() {
            return "Step{" + path + " " + capability + "}";
        }
    }

    private final String source;
    private final Function<SecretRef, Map<String, String>> needs;
    private final Function<SecretRef, List<Step>> lifecycle;
    private final Function<SecretRef, List<Step>> session;
    private final PathPolicy paths;
    private final Caller caller;

    /**
     * @param needs the paths a read of a ref calls, each with its capability: a missing one fails the start
     * @param lifecycle the later steps of a ref's life (revocations): a missing capability is a warning
     * @param session the source's own later steps (the token's renewal), given the first ref checked: a warning too
     */
    public CapabilityCheck(
            String source,
            Function<SecretRef, Map<String, String>> needs,
            Function<SecretRef, List<Step>> lifecycle,
            Function<SecretRef, List<Step>> session,
            PathPolicy paths,
            Caller caller) {
        this.source = source;
        this.needs = needs;
        this.lifecycle = lifecycle;
        this.session = session;
        this.paths = paths;
        this.caller = caller;
    }

    public List<AccessFinding> check(Collection<SecretRef> refs) {
        List<AccessFinding> findings = new ArrayList<>();
        Map<SecretRef, Map<String, String>> needed = new LinkedHashMap<>();
        Map<SecretRef, List<Step>> later = new LinkedHashMap<>();
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
                List<Step> steps = lifecycle.apply(ref);
                needed.put(ref, n);
                later.put(ref, steps);
                all.addAll(n.keySet());
                steps.forEach(st -> all.add(st.path));
            } catch (SecretException e) {
                findings.add(unchecked(
                        ref,
                        "could not map the ref to Vault paths (" + e.getClass().getSimpleName() + ")"));
            }
        }
        if (all.isEmpty()) {
            return findings;
        }
        SecretRef first = needed.keySet().iterator().next();
        List<Step> own;
        try {
            own = session.apply(first);
        } catch (SecretException e) {
            own = List.of(); // the login failed: the capability call below fails the same way and says so
        }
        own.forEach(st -> all.add(st.path));
        ObjectNode body = VaultHttp.object();
        ArrayNode list = body.putArray("paths");
        all.forEach(list::add);
        JsonNode answer;
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
        for (Map.Entry<SecretRef, List<Step>> e : later.entrySet()) {
            for (Step st : e.getValue()) {
                root |= limited(answer, e.getKey(), st, findings);
            }
        }
        for (Step st : own) {
            root |= limited(answer, null, st, findings);
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

    /** Adds a {@link Kind#LIMITED} finding when {@code step} is not granted; answers whether the token is root. */
    private static boolean limited(JsonNode answer, SecretRef ref, Step step, List<AccessFinding> findings) {
        Set<String> granted = granted(answer, step.path);
        if (granted.contains("root")) {
            return true;
        }
        if (granted.contains("deny") || !granted.contains(step.capability)) {
            findings.add(AccessFinding.of(
                    Kind.LIMITED,
                    ref,
                    step.path,
                    List.of(step.capability),
                    List.copyOf(granted),
                    "the Vault token lacks " + step.capability + " on " + step.path + ": " + step.without));
        }
        return false;
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
