package dev.rotor.secrets;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One immutable version of a secret: the reference it answers, a version id, either named fields or one raw value,
 * an optional {@link Lease}, when it was fetched, and what the source said about it (stages, next rotation date,
 * other attributes).
 *
 * <pre>{@code
 * Secret db = secrets.get("vault:database/creds/app");
 * String user = db.field("username").orElseThrow();
 * DbCredentials creds = db.as(DbCredentials.class);
 * }</pre>
 *
 * <p>Values are held as bytes and wiped when the version is retired (some time after a newer version has been handed
 * over, and when the client closes); reading a wiped version throws {@link IllegalStateException}. {@link
 * #toString()} never shows a value. Deliberately not a record: a record would print every component. Thread-safe.
 */
public final class Secret {
    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final SecretRef ref;
    private final String version;
    private final byte[] raw;
    private final Map<String, byte[]> fields;
    private final Lease lease;
    // nanoseconds since the epoch: an Instant object per cached secret is memory paid for thousands of times
    private final long fetchedEpochNanos;
    private final Metadata metadata;
    private volatile boolean wiped;

    private Secret(Builder b) {
        this.ref = b.ref;
        this.version = b.version;
        this.raw = b.raw;
        this.fields = b.fields.isEmpty() ? Map.of() : Collections.unmodifiableMap(b.fields);
        this.lease = b.lease;
        this.fetchedEpochNanos = epochNanos(b.fetchedAt, b.ref);
        this.metadata = b.stages.isEmpty() && b.nextRotation == null && b.checkAgainAt == null && b.attributes.isEmpty()
                ? Metadata.NONE
                : new Metadata(
                        b.stages,
                        b.nextRotation,
                        b.checkAgainAt,
                        Collections.unmodifiableMap(new LinkedHashMap<>(b.attributes)));
    }

    private static long epochNanos(Instant t, SecretRef ref) {
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalStateException("secret fetchedAt out of range (1678 to 2262) for " + ref, e);
        }
    }

    /** Starts a version of the secret named by {@code ref} (its field, if any, is dropped). */
    public static Builder builder(SecretRef ref) {
        return new Builder(ref.withoutField());
    }

    /** A builder with this version's values, for a source or the engine to derive another version. */
    public Builder newBuilder() {
        checkNotWiped();
        Builder b = new Builder(ref);
        b.version = version;
        b.raw = raw == null ? null : raw.clone();
        fields.forEach((k, v) -> b.fields.put(k, v.clone()));
        b.lease = lease;
        b.fetchedAt = fetchedAt();
        b.stages = metadata.stages;
        b.nextRotation = metadata.nextRotation;
        b.checkAgainAt = metadata.checkAgainAt;
        b.attributes.putAll(metadata.attributes);
        return b;
    }

    /**
     * This version with another lease (after a renewal): the same version id and the same value bytes, which the two
     * objects share, so wiping one wipes both.
     */
    public Secret withLease(Lease newLease) {
        checkNotWiped();
        Builder b = new Builder(ref);
        b.version = version;
        b.raw = raw;
        b.fields.putAll(fields);
        b.lease = newLease;
        b.fetchedAt = fetchedAt();
        b.stages = metadata.stages;
        b.nextRotation = metadata.nextRotation;
        b.checkAgainAt = metadata.checkAgainAt;
        b.attributes.putAll(metadata.attributes);
        return new Secret(b);
    }

    /** The secret this version belongs to (without a field). */
    public SecretRef ref() {
        return ref;
    }

    /** The source's version id, or one Rotor derived (a counter) when the source has none. */
    public String version() {
        return version;
    }

    /**
     * The raw value; for a secret with exactly one field, that field's value.
     *
     * @throws SecretFormatException when the secret has several fields and no raw value
     */
    public String value() {
        checkNotWiped();
        if (raw != null) {
            return new String(raw, StandardCharsets.UTF_8);
        }
        if (fields.size() == 1) {
            return new String(fields.values().iterator().next(), StandardCharsets.UTF_8);
        }
        throw new SecretFormatException(
                "secret has fields " + fields.keySet() + " and no single value; name a field", ref, null);
    }

    /** The value of {@code ref}'s field if it names one, else {@link #value()}. */
    public String value(SecretRef ref) {
        Optional<String> f = ref.field();
        if (f.isEmpty()) {
            return value();
        }
        return field(f.get())
                .orElseThrow(() -> new SecretFormatException(
                        "secret has no field '" + f.get() + "'; it has " + fields.keySet(), ref, null));
    }

    /** A copy of the raw value's bytes (the single field's, as for {@link #value()}). */
    public byte[] bytes() {
        checkNotWiped();
        if (raw != null) {
            return raw.clone();
        }
        if (fields.size() == 1) {
            return fields.values().iterator().next().clone();
        }
        throw new SecretFormatException(
                "secret has fields " + fields.keySet() + " and no single value; name a field", ref, null);
    }

    /** One field's value. */
    public Optional<String> field(String name) {
        checkNotWiped();
        byte[] v = fields.get(name);
        return v == null ? Optional.empty() : Optional.of(new String(v, StandardCharsets.UTF_8));
    }

    /** The names of the fields, in the source's order. Names are not secret. */
    public Set<String> fieldNames() {
        return fields.keySet();
    }

    /** Whether this version has a raw value rather than (or as well as) fields. */
    public boolean hasRawValue() {
        return raw != null;
    }

    /** A copy of all fields as strings. */
    public Map<String, String> fields() {
        checkNotWiped();
        Map<String, String> copy = new LinkedHashMap<>();
        fields.forEach((k, v) -> copy.put(k, new String(v, StandardCharsets.UTF_8)));
        return copy;
    }

    /**
     * Maps the fields (or a raw JSON value) onto {@code type} with Jackson; unknown fields are ignored.
     *
     * @throws SecretFormatException when the content does not map; the message names the ref, never the content
     */
    public <T> T as(Class<T> type) {
        checkNotWiped();
        try {
            if (fields.isEmpty() && raw != null) {
                return MAPPER.readValue(raw, type);
            }
            return MAPPER.convertValue(fields(), type);
        } catch (Exception e) {
            throw new SecretFormatException(
                    "secret does not map to " + type.getName() + " ("
                            + e.getClass().getSimpleName() + ")",
                    ref,
                    null);
        }
    }

    /** The lease, for secrets the source grants for a limited time. */
    public Optional<Lease> lease() {
        return Optional.ofNullable(lease);
    }

    /** When Rotor received this version from the source. */
    public Instant fetchedAt() {
        return Instant.ofEpochSecond(0, fetchedEpochNanos);
    }

    /** The source's stage labels for this version (for example {@code AWSCURRENT}); empty when it has none. */
    public List<String> stages() {
        return metadata.stages;
    }

    /** When the source will next rotate the secret, if it says. */
    public Optional<Instant> nextRotation() {
        return Optional.ofNullable(metadata.nextRotation);
    }

    /**
     * When the source asked to be looked at again, if sooner than the policy's poll interval: a store with a rotation
     * under way. A hint for the engine's schedule, not a property of the secret.
     */
    public Optional<Instant> checkAgainAt() {
        return Optional.ofNullable(metadata.checkAgainAt);
    }

    /** Other non-secret attributes the source reported (creation time, ARN, ...). */
    public Map<String, String> attributes() {
        return metadata.attributes;
    }

    /** Whether the values have been wiped because the version was retired. */
    public boolean isWiped() {
        return wiped;
    }

    /**
     * Overwrites the value bytes with zeros. Rotor calls it when it retires a version; a source may call it on a
     * version it built but discarded. Idempotent.
     */
    public void wipe() {
        wiped = true;
        if (raw != null) {
            Arrays.fill(raw, (byte) 0);
        }
        for (byte[] v : fields.values()) {
            Arrays.fill(v, (byte) 0);
        }
    }

    private void checkNotWiped() {
        if (wiped) {
            throw new IllegalStateException("secret version " + version + " of " + ref
                    + " was retired and wiped; read the current version through Secrets or a handle");
        }
    }

    @Override
    public String toString() {
        return "Secret{ref=" + ref + ", version=" + version
                + (raw != null ? ", value=****" : "")
                + (fields.isEmpty() ? "" : ", fields=" + fields.keySet() + " (values hidden)")
                + (lease != null ? ", lease=" + lease : "")
                + ", fetchedAt=" + fetchedAt()
                + (metadata.stages.isEmpty() ? "" : ", stages=" + metadata.stages)
                + (wiped ? ", wiped" : "") + "}";
    }

    /** What the source said about a version besides its values; most versions share {@link #NONE}. */
    private static final class Metadata {
        static final Metadata NONE = new Metadata(List.of(), null, null, Map.of());
        final List<String> stages;
        final Instant nextRotation;
        final Instant checkAgainAt;
        final Map<String, String> attributes;

        Metadata(List<String> stages, Instant nextRotation, Instant checkAgainAt, Map<String, String> attributes) {
            this.stages = List.copyOf(stages);
            this.nextRotation = nextRotation;
            this.checkAgainAt = checkAgainAt;
            this.attributes = attributes;
        }
    }

    /** Builds a {@link Secret}; {@link #build()} requires a version id and a value or at least one field. */
    public static final class Builder {
        private final SecretRef ref;
        private String version;
        private byte[] raw;
        private final Map<String, byte[]> fields = new LinkedHashMap<>();
        private Lease lease;
        private Instant fetchedAt;
        private List<String> stages = List.of();
        private Instant nextRotation;
        private Instant checkAgainAt;
        private final Map<String, String> attributes = new LinkedHashMap<>();

        private Builder(SecretRef ref) {
            this.ref = Objects.requireNonNull(ref, "ref");
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        /** The raw value as UTF-8. */
        public Builder value(String value) {
            this.raw = value.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** The raw value; the array is copied. */
        public Builder value(byte[] value) {
            this.raw = value.clone();
            return this;
        }

        public Builder field(String name, String value) {
            fields.put(Objects.requireNonNull(name, "field name"), value.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        /** A field from bytes (binary content such as a keystore); the array is copied. */
        public Builder field(String name, byte[] value) {
            fields.put(Objects.requireNonNull(name, "field name"), value.clone());
            return this;
        }

        public Builder fields(Map<String, String> values) {
            values.forEach(this::field);
            return this;
        }

        public Builder lease(Lease lease) {
            this.lease = lease;
            return this;
        }

        public Builder fetchedAt(Instant fetchedAt) {
            this.fetchedAt = fetchedAt;
            return this;
        }

        public Builder stages(List<String> stages) {
            this.stages = List.copyOf(stages);
            return this;
        }

        public Builder nextRotation(Instant nextRotation) {
            this.nextRotation = nextRotation;
            return this;
        }

        /**
         * Asks the engine to look at the secret again at {@code at} if that is sooner than its poll interval (a
         * rotation under way); see {@link dev.rotor.secrets.spi.VersionProbe} for the same hint from a probe.
         */
        public Builder checkAgainAt(Instant at) {
            this.checkAgainAt = at;
            return this;
        }

        public Builder attribute(String name, String value) {
            attributes.put(name, value);
            return this;
        }

        public Secret build() {
            if (version == null || version.isEmpty()) {
                throw new IllegalStateException("secret version is required for " + ref);
            }
            if (raw == null && fields.isEmpty()) {
                throw new IllegalStateException("secret needs a value or at least one field: " + ref);
            }
            if (fetchedAt == null) {
                throw new IllegalStateException("secret fetchedAt is required for " + ref);
            }
            return new Secret(this);
        }
    }
}
