package dev.rotor.secrets.test.vault;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The capabilities a set of policies grants on a path, as Vault's ACL resolves them: the rules of every policy are
 * merged per path pattern (capabilities are unioned; {@code deny} wins), then an exact pattern wins over any glob, and
 * among globs the longest pattern wins. A pattern ends in {@code *} to match any suffix, and {@code +} stands for one
 * path segment. Vault's finer tie-breaks between globs of equal length (first wildcard position, count of {@code +})
 * are not modelled: equal-length globs are resolved by the order in which their patterns sort. Not thread-safe; the
 * fake builds one per request under its lock.
 */
final class FakeAcl {
    private final Map<String, Set<String>> rules = new LinkedHashMap<>();
    private final boolean root;

    private FakeAcl(boolean root) {
        this.root = root;
    }

    static FakeAcl of(Collection<String> policyNames, Map<String, Map<String, Set<String>>> policies) {
        FakeAcl acl = new FakeAcl(policyNames.contains("root"));
        for (String name : policyNames) {
            Map<String, Set<String>> p = policies.get(name);
            if (p == null) {
                continue;
            }
            p.forEach((pattern, caps) ->
                    acl.rules.computeIfAbsent(pattern, k -> new TreeSet<>()).addAll(caps));
        }
        acl.rules.values().forEach(caps -> {
            if (caps.contains("deny")) {
                caps.clear();
                caps.add("deny");
            }
        });
        return acl;
    }

    /** The capabilities on {@code path} (no leading slash); {@code ["deny"]} when none applies. */
    Set<String> capabilities(String path) {
        if (root) {
            return Set.of("root");
        }
        Set<String> exact = rules.get(path);
        if (exact != null && !isGlob(exact, path)) {
            return exact;
        }
        String best = null;
        for (String pattern : rules.keySet()) {
            if (matches(pattern, path) && (best == null || pattern.length() > best.length())) {
                best = pattern;
            }
        }
        return best == null ? Set.of("deny") : rules.get(best);
    }

    /** Whether the token may do {@code capability} on {@code path}. */
    boolean allows(String path, String capability) {
        Set<String> caps = capabilities(path);
        return caps.contains("root") || (!caps.contains("deny") && caps.contains(capability));
    }

    /** Whether the token may do either capability (a write is a create or an update). */
    boolean allowsAny(String path, String... capabilities) {
        for (String c : capabilities) {
            if (allows(path, c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isGlob(Set<String> ignored, String pattern) {
        return pattern.endsWith("*") || pattern.contains("+");
    }

    static boolean matches(String pattern, String path) {
        boolean prefix = pattern.endsWith("*");
        String p = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
        if (!p.contains("+")) {
            return prefix ? path.startsWith(p) : path.equals(p);
        }
        String[] ps = p.split("/", -1);
        String[] xs = path.split("/", -1);
        if (xs.length < ps.length || (!prefix && xs.length != ps.length)) {
            return false;
        }
        for (int i = 0; i < ps.length; i++) {
            boolean last = i == ps.length - 1;
            if (ps[i].equals("+")) {
                if (xs[i].isEmpty()) {
                    return false;
                }
                continue;
            }
            if (last && prefix) {
                return xs[i].startsWith(ps[i]);
            }
            if (!ps[i].equals(xs[i])) {
                return false;
            }
        }
        return true;
    }
}
