package dev.rotor.secrets.spring.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a bound pool stands against its credentials secret: the version whose credentials it holds and the newest
 * version Rotor knows of. {@link #behind()} when a version was refused and the pool stayed on an older one; a
 * hand-over still under way (the client has the new version, the pool not yet) is not behind. Never a value.
 * Immutable.
 */
public final class PoolStatus {
    private final String pool;
    private final String ref;
    private final String poolVersion;
    private final String newestVersion;
    private final boolean behind;

    PoolStatus(String pool, String ref, String poolVersion, String newestVersion, boolean behind) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.ref = Objects.requireNonNull(ref, "ref");
        this.poolVersion = poolVersion;
        this.newestVersion = newestVersion;
        this.behind = behind;
    }

    public String pool() {
        return pool;
    }

    public Optional<String> poolVersion() {
        return Optional.ofNullable(poolVersion);
    }

    public Optional<String> newestVersion() {
        return Optional.ofNullable(newestVersion);
    }

    public boolean behind() {
        return behind;
    }

    /** The health detail: {@code pool}, {@code ref}, {@code poolVersion}, {@code newestVersion}, {@code state}. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pool", pool);
        out.put("ref", ref);
        out.put("poolVersion", poolVersion);
        out.put("newestVersion", newestVersion);
        out.put("state", behind ? "BEHIND" : "IN_SYNC");
        return out;
    }

    @Override
    public String toString() {
        return "PoolStatus{" + pool + " " + ref + " pool=" + poolVersion + " newest=" + newestVersion
                + (behind ? " BEHIND" : "") + "}";
    }
}
