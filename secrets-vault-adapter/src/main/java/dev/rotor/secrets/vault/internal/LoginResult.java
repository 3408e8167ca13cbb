package dev.rotor.secrets.vault.internal;

import dev.rotor.secrets.SourceIdentity;
import java.time.Duration;
import java.time.Instant;

/** A Vault token and what Vault said about it. Holds a credential: {@link #toString()} never shows it. */
public final class LoginResult {
    final String token;
    /** The token's TTL; zero for a token that never expires (a root token). */
    final Duration ttl;

    final boolean renewable;
    /**
     * The latest time a renewal can reach, when Vault said it (a token with an explicit max TTL); null otherwise. A
     * login answer never says it: {@code auth.lease_duration} is the TTL granted now, not the max TTL.
     */
    final Instant maxExpiresAt;

    /** Who the token belongs to, as Vault said it; null when the answer did not say. */
    SourceIdentity identity;

    LoginResult(String token, Duration ttl, boolean renewable) {
        this(token, ttl, renewable, null);
    }

    LoginResult(String token, Duration ttl, boolean renewable, Instant maxExpiresAt) {
        this.token = token;
        this.ttl = ttl;
        this.renewable = renewable;
        this.maxExpiresAt = maxExpiresAt;
    }

    /** This result with who the token belongs to. */
    LoginResult identity(SourceIdentity identity) {
        this.identity = identity;
        return this;
    }

    @Override
    public String toString() {
        return "LoginResult{token=****, ttl=" + ttl + ", renewable=" + renewable + ", maxExpiresAt=" + maxExpiresAt
                + "}";
    }
}
