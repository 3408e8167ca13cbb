package dev.rotor.secrets.internal;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/** What an entry serves: one version and whether it may be served without a stale check. Immutable. */
final class Snapshot {
    final Secret secret;
    final boolean servable;
    final long seq;
    /** For a version past its lease: when the lease ended, and whether serving it stale was reported. */
    final Instant expiredAt;

    final AtomicBoolean staleReported;

    Snapshot(Secret secret, boolean servable, long seq) {
        this.secret = secret;
        this.servable = servable;
        this.seq = seq;
        this.staleReported = servable ? null : new AtomicBoolean();
        this.expiredAt = servable ? null : secret.lease().map(Lease::expiresAt).orElse(null);
    }
}
