package dev.rotor.secrets.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The refs a client may read: exact refs and glob patterns over {@code scheme:path} (see {@link
 * dev.rotor.secrets.Secrets.Builder#allowRefs(String...)} for the syntax). Consulted only where the engine creates a
 * new entry, never on the read path. Immutable and thread-safe.
 */
public final class RefAllowList {
    private static final RefAllowList EVERYTHING = new RefAllowList(List.of(), Set.of(), false);

    private final List<Rule> rules;
    private final Set<SecretRef> exact;
    private final boolean active;

    private RefAllowList(List<Rule> rules, Set<SecretRef> exact, boolean active) {
        this.rules = List.copyOf(rules);
        this.exact = Set.copyOf(exact);
        this.active = active;
    }

    /** No allow-list: every ref is allowed. */
    public static RefAllowList everything() {
        return EVERYTHING;
    }

    /**
     * Parses {@code entries}; a malformed one fails with a {@link SecretConfigurationException} naming it.
     *
     * @param entries exact refs ({@code vault:secret/app/db}) and patterns ({@code vault:secret/app/*})
     */
    public static RefAllowList of(Collection<String> entries) {
        if (entries.isEmpty()) {
            return EVERYTHING;
        }
        List<Rule> rules = new ArrayList<>();
        Set<SecretRef> exact = new LinkedHashSet<>();
        for (String entry : entries) {
            Rule r = Rule.parse(entry);
            rules.add(r);
            if (r.literal != null) {
                exact.add(r.literal);
            }
        }
        return new RefAllowList(rules, exact, true);
    }

    /** Whether an allow-list is in force (false: everything is allowed). */
    public boolean active() {
        return active;
    }

    /** Whether {@code ref} may be read; its field and parameters take no part. */
    public boolean allows(SecretRef ref) {
        if (!active) {
            return true;
        }
        for (Rule r : rules) {
            if (r.matches(ref)) {
                return true;
            }
        }
        return false;
    }

    /** The entries that name one secret exactly (no wildcard), without field or parameters. */
    public Set<SecretRef> exactRefs() {
        return exact;
    }

    @Override
    public String toString() {
        return active ? "RefAllowList" + rules : "RefAllowList{everything}";
    }

    /** One entry: a literal scheme and a path that is literal or a glob. */
    private static final class Rule {
        private final String text;
        private final String scheme;
        private final String path;
        private final Pattern glob;
        private final SecretRef literal;

        private Rule(String text, String scheme, String path, Pattern glob, SecretRef literal) {
            this.text = text;
            this.scheme = scheme;
            this.path = path;
            this.glob = glob;
            this.literal = literal;
        }

        static Rule parse(String entry) {
            if (entry == null || entry.isBlank()) {
                throw bad("an allowRefs entry must not be blank", entry);
            }
            String e = entry.strip();
            if (e.indexOf('#') >= 0 || e.indexOf('?') >= 0) {
                throw bad(
                        "allowRefs entry must name scheme:path only (a field or parameters take no part in the match)",
                        e);
            }
            int colon = e.indexOf(':');
            if (colon <= 0 || colon == e.length() - 1) {
                throw bad("allowRefs entry must be scheme:path", e);
            }
            String scheme = e.substring(0, colon);
            if (scheme.indexOf('*') >= 0) {
                throw bad("allowRefs entry must name its scheme literally", e);
            }
            String path = e.substring(colon + 1);
            if (path.indexOf('*') < 0) {
                SecretRef ref;
                try {
                    ref = SecretRef.parse(e);
                } catch (RuntimeException ex) {
                    throw bad("allowRefs entry is not a valid ref", e);
                }
                return new Rule(e, ref.scheme(), ref.path(), null, ref);
            }
            if (path.contains("***")) {
                throw bad("allowRefs entry holds '***'; use '*' (one segment) or '**' (any depth)", e);
            }
            return new Rule(e, scheme, path, compile(path), null);
        }

        /** {@code **} matches any run of characters, {@code /} included; {@code *} any run without a {@code /}. */
        private static Pattern compile(String path) {
            StringBuilder re = new StringBuilder();
            int i = 0;
            while (i < path.length()) {
                int star = path.indexOf('*', i);
                if (star < 0) {
                    re.append(Pattern.quote(path.substring(i)));
                    break;
                }
                if (star > i) {
                    re.append(Pattern.quote(path.substring(i, star)));
                }
                if (star + 1 < path.length() && path.charAt(star + 1) == '*') {
                    re.append(".*");
                    i = star + 2;
                } else {
                    re.append("[^/]*");
                    i = star + 1;
                }
            }
            return Pattern.compile(re.toString(), Pattern.DOTALL);
        }

        boolean matches(SecretRef ref) {
            if (!scheme.equals(ref.scheme())) {
                return false;
            }
            return glob == null
                    ? path.equals(ref.path())
                    : glob.matcher(ref.path()).matches();
        }

        private static SecretConfigurationException bad(String message, String entry) {
            return new SecretConfigurationException(message + ": " + entry, null, null);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
