package dev.rotor.secrets.vault.internal;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which refs a source may read, decided from the ref alone, before any call to Vault. A Vault ref is a raw API path,
 * so without a policy a ref chosen by someone else could name one of Vault's own endpoints ({@code
 * vault:auth/token/lookup-self}, {@code vault:sys/...}) and have it read with the application's token. Policies
 * compose with {@link #and(PathPolicy)}; each one refuses with a {@link SecretAccessDeniedException} naming the ref and
 * the source. Immutable and thread-safe.
 *
 * <p>Paths are compared segment by segment ({@code secret/orders} covers {@code secret/orders} and {@code
 * secret/orders/api}, never {@code secret/orders-admin}), after the leading {@code /} a ref may carry.
 */
public interface PathPolicy {
    /** The first segments of Vault's own endpoints: tokens, system configuration, per-token storage, identities. */
    List<String> RESERVED = List.of("auth", "sys", "cubbyhole", "identity");

    /**
     * Refuses {@code ref} when this policy does not let the source read it.
     *
     * @throws SecretAccessDeniedException naming the ref and the source, and why
     */
    void check(SecretRef ref, String source);

    /** This policy, then {@code next}: a ref must pass both. */
    default PathPolicy and(PathPolicy next) {
        return (ref, source) -> {
            check(ref, source);
            next.check(ref, source);
        };
    }

    /**
     * The policy of a builder: with no allowed prefixes, every ref but those under {@link #RESERVED}; with some, only
     * refs under them (a reserved path too, when it is named there).
     */
    static PathPolicy of(List<String> allowedPrefixes) {
        return allowedPrefixes.isEmpty() ? Reserved.INSTANCE : new Allowed(allowedPrefixes);
    }

    /**
     * Checks one {@code allowPaths} prefix and answers its segments; fails naming the option, never echoing a value
     * with a control character.
     */
    static List<String> prefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            throw bad("allowPaths prefixes must not be empty");
        }
        if (Text.hasControl(prefix)) {
            throw bad("allowPaths prefixes must not contain control characters");
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            throw bad("allowPaths prefix '" + prefix + "' names no path");
        }
        if (p.indexOf('*') >= 0 || p.indexOf('+') >= 0 || p.indexOf('?') >= 0 || p.indexOf('#') >= 0) {
            throw bad("allowPaths prefix '" + prefix
                    + "' holds '*', '+', '?' or '#': prefixes are plain paths (secret/orders covers everything under"
                    + " it), not Vault policy globs");
        }
        if (p.indexOf('\\') >= 0) {
            throw bad("allowPaths prefix '" + prefix + "' holds a backslash");
        }
        List<String> segments = List.of(p.split("/", -1));
        for (String s : segments) {
            if (s.isEmpty() || s.equals(".") || s.equals("..")) {
                throw bad("allowPaths prefix '" + prefix + "' has an empty, '.' or '..' segment");
            }
        }
        return segments;
    }

    /** The segments of a ref's path, without the leading {@code /} a ref may carry. */
    static List<String> segments(SecretRef ref) {
        String p = ref.path();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return List.of(p.split("/", -1));
    }

    private static SecretConfigurationException bad(String message) {
        return new SecretConfigurationException("VaultSource." + message, null, null);
    }

    /** The default: everything but Vault's own endpoints. */
    enum Reserved implements PathPolicy {
        INSTANCE;

        @Override
        public void check(SecretRef ref, String source) {
            // compared without case: a false refusal costs nothing, a path Vault might fold would cost the token
            String first = segments(ref).get(0).toLowerCase(Locale.ROOT);
            if (RESERVED.contains(first)) {
                throw new SecretAccessDeniedException(
                        "refs under auth/, sys/, cubbyhole/ and identity/ are refused: they name Vault's own"
                                + " endpoints (tokens, system configuration, per-token storage, identities), not"
                                + " secrets; if this source must read one, name it in VaultSource.Builder"
                                + ".allowPaths(...)",
                        ref,
                        source);
            }
        }
    }

    /** Only refs under the given prefixes. */
    final class Allowed implements PathPolicy {
        private final List<List<String>> prefixes;
        private final String described;

        Allowed(List<String> prefixes) {
            List<List<String>> list = new ArrayList<>();
            for (String p : prefixes) {
                list.add(prefix(p));
            }
            this.prefixes = List.copyOf(list);
            List<String> joined = new ArrayList<>();
            for (List<String> p : this.prefixes) {
                joined.add(String.join("/", p));
            }
            this.described = String.join(", ", joined);
        }

        @Override
        public void check(SecretRef ref, String source) {
            List<String> path = segments(ref);
            for (List<String> p : prefixes) {
                if (p.size() <= path.size() && path.subList(0, p.size()).equals(p)) {
                    return;
                }
            }
            throw new SecretAccessDeniedException(
                    "ref is outside the allowed paths of this source (allowPaths: " + described + ")", ref, source);
        }

        @Override
        public String toString() {
            return "PathPolicy{allow " + described + "}";
        }
    }
}
