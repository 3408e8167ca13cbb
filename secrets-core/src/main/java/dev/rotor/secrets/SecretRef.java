package dev.rotor.secrets;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A parsed, validated reference to a secret: {@code scheme:path[#field][?key=value&...]}.
 *
 * <p>The scheme ends at the first colon, so the path may hold colons (AWS ARNs do). Examples:
 *
 * <pre>{@code
 * SecretRef.parse("vault:secret/app/db#password");
 * SecretRef.parse("aws-sm:prod/db?stage=AWSPENDING");
 * SecretRef.parse("aws-sm:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf");
 * SecretRef.parse("file:/run/secrets/db");
 * SecretRef.parse("env:DB_PASSWORD");
 * SecretRef.parse("azure-kv:https://myvault.vault.azure.net/secrets/db");   // a path that is an https URL
 * }</pre>
 *
 * <p>Parsing is strict and fails with {@link InvalidSecretRefException} for an empty scheme or path, {@code .} or
 * {@code ..} segments, empty segments (except the {@code //} of a path that starts as an {@code https://} or {@code
 * http://} URL), control characters, malformed or repeated parameters and inputs longer than
 * {@value #MAX_LENGTH} characters. Whether a parameter is known is decided by the source the scheme selects (see
 * {@link #requireParameters(Set, String)}).
 *
 * <p>Two references are equal when their canonical forms are equal: parameters are kept in sorted order. The field is
 * part of the reference; {@link #withoutField()} names the secret as a whole. Immutable and thread-safe; references
 * are identifiers, not secrets, so {@link #toString()} prints the canonical form.
 */
public final class SecretRef {
    /** The longest input {@link #parse(String)} accepts. */
    public static final int MAX_LENGTH = 2048;

    private static final int MAX_SCHEME = 32;

    private static final int MAX_CACHED_SCHEMES = 256;
    private static final Map<String, String> SCHEMES = new java.util.concurrent.ConcurrentHashMap<>();

    // Kept small: an application may hold many refs. The path is cut from the canonical form when asked for.
    private final String canonical;
    private final String scheme;
    private final int pathEnd;
    private final String field;
    private final Map<String, String> parameters;

    private SecretRef(String scheme, String path, String field, Map<String, String> parameters, String text) {
        this.scheme = shared(scheme);
        this.field = field;
        this.parameters = parameters;
        this.pathEnd = scheme.length() + 1 + path.length();
        StringBuilder sb = new StringBuilder(scheme).append(':').append(path);
        if (field != null) {
            sb.append('#').append(field);
        }
        String built = sb.append(querySuffix(parameters)).toString();
        // most refs are written in canonical form: keep the caller's string rather than a copy of it
        this.canonical = built.equals(text) ? text : built;
    }

    private SecretRef(String scheme, String path, String field, Map<String, String> parameters) {
        this(scheme, path, field, parameters, null);
    }

    /** One instance per scheme (a handful in any application), so that refs do not each hold a copy. */
    private static String shared(String scheme) {
        String known = SCHEMES.get(scheme);
        if (known != null) {
            return known;
        }
        if (SCHEMES.size() < MAX_CACHED_SCHEMES) {
            known = SCHEMES.putIfAbsent(scheme, scheme);
            return known != null ? known : scheme;
        }
        return scheme;
    }

    /** {@code ?k=v&...} in the map's order, or the empty string when there are no parameters. */
    private static String querySuffix(Map<String, String> parameters) {
        StringBuilder sb = new StringBuilder();
        char sep = '?';
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            sb.append(sep).append(p.getKey()).append('=').append(p.getValue());
            sep = '&';
        }
        return sb.toString();
    }

    /**
     * Parses and validates a reference.
     *
     * @throws InvalidSecretRefException when the text breaks any rule; never any other exception
     */
    public static SecretRef parse(String text) {
        if (text == null) {
            throw new InvalidSecretRefException("secret ref must not be null");
        }
        if (text.isEmpty()) {
            throw new InvalidSecretRefException("secret ref must not be empty");
        }
        if (text.length() > MAX_LENGTH) {
            throw invalid(text, "is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                throw invalid(text, "contains a control character at index " + i);
            }
            if (isInvisibleOrBreaking(c)) {
                throw invalid(text, "contains an invisible or line-breaking character at index " + i);
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c)
                        && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1));
                if (!paired) {
                    throw invalid(text, "contains an unpaired surrogate at index " + i);
                }
                i++;
            }
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw invalid(text, "has no scheme: expected scheme:path");
        }
        String scheme = text.substring(0, colon);
        checkScheme(text, scheme);
        String rest = text.substring(colon + 1);
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String field = null;
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            field = rest.substring(hash + 1);
            rest = rest.substring(0, hash);
            if (field.isEmpty()) {
                throw invalid(text, "has an empty field after '#'");
            }
            if (field.indexOf('#') >= 0) {
                throw invalid(text, "has more than one '#'");
            }
            if (!field.strip().equals(field)) {
                throw invalid(text, "has a field with leading or trailing white space");
            }
        }
        checkPath(text, rest);
        Map<String, String> params = query == null ? Map.of() : parseQuery(text, query);
        return new SecretRef(scheme, rest, field, params, text);
    }

    /**
     * Builds a reference from parts, with the same validation as {@link #parse(String)}. The parts must come back
     * unchanged: a scheme holding a colon, or a path holding a field or parameters, is rejected rather than
     * silently split elsewhere.
     */
    public static SecretRef of(String scheme, String path) {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(path, "path");
        SecretRef ref = parse(scheme + ":" + path);
        if (!ref.scheme.equals(scheme)) {
            throw invalid(scheme, "is not a valid scheme");
        }
        if (!ref.path().equals(path)) {
            throw invalid(path, "is not a valid path: it holds a '#' or a '?'");
        }
        return ref;
    }

    private static void checkScheme(String text, String scheme) {
        if (scheme.isEmpty()) {
            throw invalid(text, "has an empty scheme");
        }
        if (scheme.length() > MAX_SCHEME) {
            throw invalid(text, "has a scheme longer than " + MAX_SCHEME + " characters");
        }
        char first = scheme.charAt(0);
        if (first < 'a' || first > 'z') {
            throw invalid(text, "has a scheme that does not start with a lower-case letter");
        }
        for (int i = 1; i < scheme.length(); i++) {
            char c = scheme.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.';
            if (!ok) {
                throw invalid(text, "has a scheme with a character other than a-z, 0-9, '-', '+' or '.'");
            }
        }
    }

    private static void checkPath(String text, String path) {
        if (path.isEmpty()) {
            throw invalid(text, "has an empty path");
        }
        if (path.isBlank()) {
            throw invalid(text, "has a blank path");
        }
        if (!path.strip().equals(path)) {
            throw invalid(text, "has a path with leading or trailing white space");
        }
        if (path.indexOf('\\') >= 0) {
            throw invalid(text, "has a backslash in its path");
        }
        String[] segments = path.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (s.equals("..")) {
                throw invalid(text, "has a '..' segment in its path");
            }
            if (s.equals(".")) {
                throw invalid(text, "has a '.' segment in its path");
            }
            if (s.isEmpty() && i == 1 && isUrlScheme(segments[0])) {
                continue; // the '//' of a path that is a URL: https://vault.example/secrets/db
            }
            if (s.isEmpty() && i > 0) {
                throw invalid(text, "has an empty segment in its path ('//' or a trailing '/')");
            }
        }
    }

    /** {@code https:} or {@code http:}, the only URL schemes a path may start with. */
    private static boolean isUrlScheme(String segment) {
        return segment.equals("https:") || segment.equals("http:");
    }

    private static Map<String, String> parseQuery(String text, String query) {
        if (query.isEmpty()) {
            throw invalid(text, "has an empty parameter list after '?'");
        }
        Map<String, String> params = new TreeMap<>();
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw invalid(text, "has a parameter that is not key=value");
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            if (!isParameterName(key)) {
                throw invalid(text, "has a parameter name that is not [A-Za-z][A-Za-z0-9_.-]*");
            }
            if (value.isEmpty()) {
                throw invalid(text, "has an empty value for parameter '" + key + "'");
            }
            if (value.indexOf('=') >= 0 || value.indexOf('#') >= 0 || value.indexOf('?') >= 0) {
                throw invalid(text, "has a reserved character in the value of parameter '" + key + "'");
            }
            if (!value.strip().equals(value)) {
                throw invalid(text, "has white space around the value of parameter '" + key + "'");
            }
            if (params.put(key, value) != null) {
                throw invalid(text, "repeats parameter '" + key + "'");
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    private static boolean isParameterName(String key) {
        if (key.isEmpty() || key.length() > 64) {
            return false;
        }
        char first = key.charAt(0);
        if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
            return false;
        }
        for (int i = 1; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '_'
                    || c == '-'
                    || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * Format characters (bidi overrides, zero-width characters) and Unicode line and paragraph separators: they could
     * disguise a ref or break a log line it is printed in.
     */
    private static boolean isInvisibleOrBreaking(char c) {
        int type = Character.getType(c);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    private static InvalidSecretRefException invalid(String text, String problem) {
        return new InvalidSecretRefException("invalid secret ref '" + excerpt(text) + "': it " + problem);
    }

    /** A short printable excerpt of hostile input: at most 64 characters, control characters shown as '?'. */
    static String excerpt(String text) {
        int limit = Math.min(text.length(), 64);
        StringBuilder sb = new StringBuilder(limit + 3);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            sb.append(Character.isISOControl(c) || Character.isSurrogate(c) || isInvisibleOrBreaking(c) ? '?' : c);
        }
        if (text.length() > limit) {
            sb.append("...");
        }
        return sb.toString();
    }

    /**
     * Checks that every parameter is one the named source understands.
     *
     * @throws SecretConfigurationException naming the ref, the source and the unknown parameter
     */
    public SecretRef requireParameters(Set<String> known, String sourceName) {
        for (String key : parameters.keySet()) {
            if (!known.contains(key)) {
                throw new SecretConfigurationException(
                        "unknown parameter '" + key + "'; this source understands " + new TreeSet<>(known),
                        this,
                        sourceName);
            }
        }
        return this;
    }

    /** The scheme, which selects the source: {@code vault}, {@code aws-sm}, {@code file}, {@code env}, ... */
    public String scheme() {
        return scheme;
    }

    /** Everything between the scheme's colon and the field or parameters. Never empty. */
    public String path() {
        return canonical.substring(scheme.length() + 1, pathEnd);
    }

    /** The field named after {@code #}, if any. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The parameters, in sorted order; empty when there are none. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /** One parameter's value, if present. */
    public Optional<String> parameter(String name) {
        return Optional.ofNullable(parameters.get(name));
    }

    /** This reference naming the secret as a whole: the same scheme, path and parameters, without the field. */
    public SecretRef withoutField() {
        return field == null ? this : new SecretRef(scheme, path(), null, parameters);
    }

    /**
     * This reference naming one field of the secret.
     *
     * @throws InvalidSecretRefException when the name is not a valid field or the result would break a rule
     */
    public SecretRef withField(String name) {
        Objects.requireNonNull(name, "name");
        if (name.indexOf('?') >= 0) {
            throw invalid(name, "is not a valid field name");
        }
        // Parse the whole canonical form, so that the result obeys every rule (the length limit too) and re-parses.
        String path = path();
        SecretRef parsed = parse(scheme + ":" + path + "#" + name + querySuffix(parameters));
        if (!name.equals(parsed.field)
                || !parsed.parameters.equals(parameters)
                || !parsed.path().equals(path)) {
            throw invalid(name, "is not a valid field name");
        }
        return parsed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretRef && ((SecretRef) o).canonical.equals(canonical);
    }

    @Override
    public int hashCode() {
        return canonical.hashCode();
    }

    /** The canonical form: {@code scheme:path[#field][?k=v&...]} with parameters sorted. */
    @Override
    public String toString() {
        return canonical;
    }
}
