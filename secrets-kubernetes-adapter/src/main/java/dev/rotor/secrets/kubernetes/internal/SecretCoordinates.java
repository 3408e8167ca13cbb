package dev.rotor.secrets.kubernetes.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a ref points in the cluster: {@code <namespace>/<name>} and, optionally, a key. Parsed strictly, with the
 * rules the API server applies: a namespace is a DNS-1123 label (at most 63 characters of {@code [a-z0-9-]}, starting
 * and ending with a letter or digit), a Secret's name a DNS-1123 subdomain (at most 253 characters, labels of the same
 * kind separated by dots), a key at most 253 characters of {@code [-._a-zA-Z0-9]} and not {@code .}, {@code ..} or
 * anything starting with {@code ..}. Immutable.
 */
public final class SecretCoordinates {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final int MAX_LABEL = 63;
    private static final int MAX_NAME = 253;

    private final String namespace;
    private final String name;

    private SecretCoordinates(String namespace, String name) {
        this.namespace = namespace;
        this.name = name;
    }

    /**
     * The namespace and name {@code ref} points at, its key checked too when it has one.
     *
     * @throws SecretConfigurationException naming the ref and the source when any part breaks the rules
     */
    public static SecretCoordinates of(SecretRef ref, String source) {
        String path = ref.path();
        int slash = path.indexOf('/');
        if (slash < 0 || slash != path.lastIndexOf('/')) {
            throw new SecretConfigurationException(
                    "a Kubernetes ref is k8s:<namespace>/<name>[#key], with exactly one '/'", ref, source);
        }
        String namespace = path.substring(0, slash);
        String name = path.substring(slash + 1);
        if (!isNamespace(namespace)) {
            throw new SecretConfigurationException(
                    "the namespace is not a DNS-1123 label (at most 63 of a-z, 0-9 and '-', starting and ending"
                            + " with a letter or digit)",
                    ref,
                    source);
        }
        if (!isName(name)) {
            throw new SecretConfigurationException(
                    "the Secret's name is not a DNS-1123 subdomain (at most 253 of a-z, 0-9, '-' and '.', each"
                            + " label starting and ending with a letter or digit)",
                    ref,
                    source);
        }
        ref.field().ifPresent(key -> {
            if (!isKey(key)) {
                throw new SecretConfigurationException(
                        "the key is not a valid Secret key (at most 253 of a-z, A-Z, 0-9, '-', '_' and '.', not '.',"
                                + " '..' or starting with '..')",
                        ref,
                        source);
            }
        });
        return new SecretCoordinates(namespace, name);
    }

    /** Whether {@code s} is a valid namespace: a DNS-1123 label. */
    public static boolean isNamespace(String s) {
        return s != null
                && !s.isEmpty()
                && s.length() <= MAX_LABEL
                && LABEL.matcher(s).matches();
    }

    /** Whether {@code s} is a valid Secret name: a DNS-1123 subdomain. */
    public static boolean isName(String s) {
        return s != null
                && !s.isEmpty()
                && s.length() <= MAX_NAME
                && SUBDOMAIN.matcher(s).matches();
    }

    /** Whether {@code s} is a valid key of a Secret's {@code data}. */
    public static boolean isKey(String s) {
        return s != null
                && !s.isEmpty()
                && s.length() <= MAX_NAME
                && KEY.matcher(s).matches()
                && !s.equals(".")
                && !s.startsWith("..");
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretCoordinates
                && ((SecretCoordinates) o).namespace.equals(namespace)
                && ((SecretCoordinates) o).name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespace, name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
