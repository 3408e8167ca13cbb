package dev.rotor.secrets.internal;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What an entry holds once a version's lease has ended without a newer one: the version, when its lease ended, and
 * whether serving it stale was reported. A servable version is held as the {@link Secret} itself, so that the read
 * path is one volatile read and a type check, and no wrapper is kept per secret. Immutable but for the flag.
 */
final class Expired {
    final Secret secret;
    final Instant expiredAt;
    final AtomicBoolean staleReported = new AtomicBoolean();

    Expired(Secret secret) {
        this.secret = secret;
        this.expiredAt = secret.lease().map(Lease::expiresAt).orElse(null);
    }
}
