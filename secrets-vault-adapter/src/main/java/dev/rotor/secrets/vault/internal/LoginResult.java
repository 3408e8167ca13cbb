package dev.rotor.secrets.vault.internal;

import java.time.Duration;

/** A Vault token and what Vault said about it. Holds a credential: {@link #toString()} never shows it. */
public final class LoginResult {
    final String token;
    /** The token's TTL; zero for a token that never expires (a root token). */
    final Duration ttl;

    final boolean renewable;

    LoginResult(String token, Duration ttl, boolean renewable) {
        this.token = token;
        this.ttl = ttl;
        this.renewable = renewable;
    }

    @Override
    public String toString() {
        return "LoginResult{token=****, ttl=" + ttl + ", renewable=" + renewable + "}";
    }
}
