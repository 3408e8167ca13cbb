package dev.rotor.secrets.test.vault;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a token issued by a login (or created by a test) looks like: its policies, TTL, max TTL, explicit max TTL and
 * whether it is renewable, as an auth role's {@code token_policies}, {@code token_ttl}, {@code token_max_ttl} and
 * {@code token_explicit_max_ttl} describe it. A zero duration means "not set": the TTL then falls back to the
 * system default of 768 hours (Vault's {@code default_lease_ttl}) and the max TTL to the system maximum of 768 hours.
 * Every token also gets the {@code default} policy. Immutable.
 *
 * <pre>{@code
 * TokenSpec spec = TokenSpec.policies("orders").ttl(Duration.ofHours(1)).maxTtl(Duration.ofHours(4));
 * }</pre>
 */
public final class TokenSpec {
    /** Vault's system default and maximum lease TTL: 32 days. */
    static final Duration SYSTEM_MAX_TTL = Duration.ofHours(768);

    final List<String> policies;
    final Duration ttl;
    final Duration maxTtl;
    final Duration explicitMaxTtl;
    final boolean renewable;

    private TokenSpec(
            List<String> policies, Duration ttl, Duration maxTtl, Duration explicitMaxTtl, boolean renewable) {
        this.policies = List.copyOf(policies);
        this.ttl = nonNegative(ttl, "ttl");
        this.maxTtl = nonNegative(maxTtl, "maxTtl");
        this.explicitMaxTtl = nonNegative(explicitMaxTtl, "explicitMaxTtl");
        this.renewable = renewable;
    }

    /** A renewable token with these policies (and {@code default}), system default TTLs. */
    public static TokenSpec policies(String... policies) {
        return new TokenSpec(List.of(policies), Duration.ZERO, Duration.ZERO, Duration.ZERO, true);
    }

    public TokenSpec ttl(Duration ttl) {
        return new TokenSpec(policies, ttl, maxTtl, explicitMaxTtl, renewable);
    }

    /** The role's {@code token_max_ttl}: renewals stop there. */
    public TokenSpec maxTtl(Duration maxTtl) {
        return new TokenSpec(policies, ttl, maxTtl, explicitMaxTtl, renewable);
    }

    /** {@code token_explicit_max_ttl}: a hard limit that {@code lookup-self} reports as {@code explicit_max_ttl}. */
    public TokenSpec explicitMaxTtl(Duration explicitMaxTtl) {
        return new TokenSpec(policies, ttl, maxTtl, explicitMaxTtl, renewable);
    }

    public TokenSpec renewable(boolean renewable) {
        return new TokenSpec(policies, ttl, maxTtl, explicitMaxTtl, renewable);
    }

    /** The TTL a new token gets: the spec's, capped by its max TTL. */
    Duration effectiveTtl() {
        Duration t = ttl.isZero() ? SYSTEM_MAX_TTL : ttl;
        Duration max = effectiveMaxTtl();
        return t.compareTo(max) > 0 ? max : t;
    }

    /** The smallest of the explicit max TTL, the max TTL and the system maximum. */
    Duration effectiveMaxTtl() {
        Duration max = SYSTEM_MAX_TTL;
        if (!maxTtl.isZero() && maxTtl.compareTo(max) < 0) {
            max = maxTtl;
        }
        if (!explicitMaxTtl.isZero() && explicitMaxTtl.compareTo(max) < 0) {
            max = explicitMaxTtl;
        }
        return max;
    }

    private static Duration nonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }

    @Override
    public String toString() {
        return "TokenSpec{policies=" + policies + ", ttl=" + ttl + ", maxTtl=" + maxTtl + ", explicitMaxTtl="
                + explicitMaxTtl + ", renewable=" + renewable + "}";
    }
}
