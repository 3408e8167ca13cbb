package dev.rotor.secrets;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Who the application is to one store: the principal the store knows it by (a Vault entity id, an AWS ARN, a
 * Kubernetes service account), with a display name, a role, the policies or groups that grant its access, and a few
 * named attributes (an account, a namespace). Every audit record carries the identity of its source under {@code who}.
 * Never a token or a credential: only what the store says about the caller.
 *
 * <p>An identity may also be <em>unknown</em>, with the reason: {@link #PENDING} (not learned yet), {@link
 * #UNSUPPORTED} (the source cannot tell) or {@link #FAILED} (asking failed; {@link #errorClass()} says how, and {@link
 * #error()} gives Rotor's own message, which never holds a value). Learning the identity never fails a read.
 *
 * <pre>{@code
 * SourceIdentity.builder("arn:aws:sts::123456789012:assumed-role/orders/i-0abc")
 *         .role("orders").attribute("account", "123456789012").build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class SourceIdentity {
    /** The reason of an identity the client has not learned yet. */
    public static final String PENDING = "pending";
    /** The reason of an identity the source cannot tell. */
    public static final String UNSUPPORTED = "unsupported";
    /** The reason of an identity the source failed to learn. */
    public static final String FAILED = "failed";

    private static final int MAX_LENGTH = 512;
    private static final int MAX_ITEMS = 64;
    private static final SourceIdentity PENDING_IDENTITY = new SourceIdentity(PENDING, null, null);
    private static final SourceIdentity UNSUPPORTED_IDENTITY = new SourceIdentity(UNSUPPORTED, null, null);

    private final String principal;
    private final String displayName;
    private final String role;
    private final List<String> policies;
    private final Map<String, String> attributes;
    private final String reason;
    private final String errorClass;
    private final String error;

    private SourceIdentity(Builder b) {
        this.principal = b.principal;
        this.displayName = b.displayName;
        this.role = b.role;
        this.policies = List.copyOf(b.policies);
        this.attributes = Map.copyOf(b.attributes);
        this.reason = null;
        this.errorClass = null;
        this.error = null;
    }

    private SourceIdentity(String reason, String errorClass, String error) {
        this.principal = null;
        this.displayName = null;
        this.role = null;
        this.policies = List.of();
        this.attributes = Map.of();
        this.reason = reason;
        this.errorClass = errorClass;
        this.error = error;
    }

    /** A known identity with {@code principal}, the name the store knows the caller by. */
    public static Builder builder(String principal) {
        return new Builder(principal);
    }

    /** The identity of a source whose identity the client is still learning. */
    public static SourceIdentity pending() {
        return PENDING_IDENTITY;
    }

    /** The identity of a source that cannot tell who the application is. */
    public static SourceIdentity unsupported() {
        return UNSUPPORTED_IDENTITY;
    }

    /**
     * The identity of a source that failed to learn it, because of {@code cause}: its class is kept, and its message
     * only when it is one of Rotor's own exceptions (which never hold values).
     */
    public static SourceIdentity failed(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        return new SourceIdentity(
                FAILED, cause.getClass().getName(), cause instanceof SecretException ? cause.getMessage() : null);
    }

    /** Whether the store told who the application is. */
    public boolean isKnown() {
        return principal != null;
    }

    /** The principal (an entity id, an ARN, {@code system:serviceaccount:<namespace>:<name>}); empty when unknown. */
    public Optional<String> principal() {
        return Optional.ofNullable(principal);
    }

    public Optional<String> displayName() {
        return Optional.ofNullable(displayName);
    }

    /** The role the application logged in or runs as. */
    public Optional<String> role() {
        return Optional.ofNullable(role);
    }

    /** The policies or groups that grant the application its access, in the store's order. */
    public List<String> policies() {
        return policies;
    }

    /** Further named facts (an account, a namespace, a pod), sorted by name. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** Why the identity is unknown: {@link #PENDING}, {@link #UNSUPPORTED} or {@link #FAILED}; empty when known. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** The class of the failure, for a {@link #FAILED} identity. */
    public Optional<String> errorClass() {
        return Optional.ofNullable(errorClass);
    }

    /** Rotor's message for the failure, for a {@link #FAILED} identity whose cause was one of Rotor's exceptions. */
    public Optional<String> error() {
        return Optional.ofNullable(error);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SourceIdentity)) {
            return false;
        }
        SourceIdentity i = (SourceIdentity) o;
        return Objects.equals(principal, i.principal)
                && Objects.equals(displayName, i.displayName)
                && Objects.equals(role, i.role)
                && policies.equals(i.policies)
                && attributes.equals(i.attributes)
                && Objects.equals(reason, i.reason)
                && Objects.equals(errorClass, i.errorClass)
                && Objects.equals(error, i.error);
    }

    @Override
    public int hashCode() {
        return Objects.hash(principal, displayName, role, policies, attributes, reason, errorClass, error);
    }

    @Override
    public String toString() {
        if (!isKnown()) {
            return "SourceIdentity{unknown: " + reason + (errorClass == null ? "" : " " + errorClass) + "}";
        }
        return "SourceIdentity{principal=" + principal + ", displayName=" + displayName + ", role=" + role
                + ", policies=" + policies + ", attributes=" + attributes + "}";
    }

    /** Builds a known {@link SourceIdentity}. Blank values are left out. Not thread-safe. */
    public static final class Builder {
        private final String principal;
        private String displayName;
        private String role;
        private final List<String> policies = new ArrayList<>();
        private final Map<String, String> attributes = new TreeMap<>();

        private Builder(String principal) {
            String p = clean(principal);
            if (p == null) {
                throw new SecretConfigurationException("SourceIdentity principal must not be empty", null, null);
            }
            this.principal = p;
        }

        public Builder displayName(String displayName) {
            this.displayName = clean(displayName);
            return this;
        }

        public Builder role(String role) {
            this.role = clean(role);
            return this;
        }

        /** Adds policies or groups, skipping blanks and repeats; at most 64 are kept. */
        public Builder policies(Collection<String> names) {
            for (String n : names) {
                String c = clean(n);
                if (c != null && !policies.contains(c) && policies.size() < MAX_ITEMS) {
                    policies.add(c);
                }
            }
            return this;
        }

        /** Sets a named fact; a blank value is left out; at most 64 are kept. */
        public Builder attribute(String name, String value) {
            String n = clean(name);
            String v = clean(value);
            if (n != null && v != null && (attributes.containsKey(n) || attributes.size() < MAX_ITEMS)) {
                attributes.put(n, v);
            }
            return this;
        }

        public SourceIdentity build() {
            return new SourceIdentity(this);
        }

        private static String clean(String value) {
            if (value == null || value.isBlank()) {
                return null;
            }
            String v = value.strip();
            return v.length() > MAX_LENGTH ? v.substring(0, MAX_LENGTH) : v;
        }
    }
}
