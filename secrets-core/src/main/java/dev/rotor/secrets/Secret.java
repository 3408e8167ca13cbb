package dev.rotor.secrets;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
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
 * <p><b>Bytes and Strings.</b> Values are held as bytes and wiped when the version is retired (some time after a
 * newer version has been handed over, and when the client closes); reading a wiped version throws {@link
 * IllegalStateException}. {@link #value()}, {@link #value(SecretRef)} and {@link #field(String)} answer a {@code
 * String} that is made once per version and value, when it is first asked for, and then returned on every read
 * without allocating. A {@code String} cannot be wiped: once made, it lives until the garbage collector reclaims it,
 * however long that takes, and wiping the version only drops the version's own reference to it. Code that must be able
 * to erase a value reads {@link #bytes()} (a copy it can overwrite) and keeps a {@link SecretHandle} rather than the
 * value. {@link #toString()} never shows a value. Deliberately not a record: a record would print every component.
 *
 * <p>Thread-safe: concurrent first reads of one value may decode it more than once, but every one of them returns the
 * one {@code String} the version keeps.
 */
public final class Secret {
    private static final ObjectMapper MAPPER =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final VarHandle RAW_STRING;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            RAW_STRING = MethodHandles.lookup().findVarHandle(Secret.class, "rawString", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SecretRef ref;
    /** The version id as {@link CompactText}: its bytes when it is ASCII, as the stores' version ids are. */
    private final Object version;

    private final byte[] raw;
    /** The raw value as a String, made on the first read; written through RAW_STRING, dropped by wipe(). */
    private String rawString;
    /**
     * The fields, in the source's order, three slots each: the name, the value bytes and the value as a String (null
     * until first read; written through SLOT, dropped by wipe()). Null when there are none: no map per version.
     */
    private final Object[] fields;

    /**
     * The lease (or null) when the source said nothing else about the version, else the {@link Metadata}, which then
     * holds the lease too: one slot for what most versions have at most one of.
     */
    private final Object leaseOrMetadata;
    // nanoseconds since the epoch: an Instant object per cached secret is memory paid for thousands of times
    private final long fetchedEpochNanos;
    private volatile boolean wiped;

    private Secret(Builder b) {
        this.ref = b.ref;
        this.version = b.sharedVersion != null ? b.sharedVersion : CompactText.of(b.version);
        this.raw = b.raw;
        this.fields = b.fieldSlots != null ? b.fieldSlots : slots(b.fields);
        this.fetchedEpochNanos = epochNanos(b.fetchedAt, b.ref);
        this.leaseOrMetadata =
                b.stages.isEmpty() && b.nextRotation == null && b.checkAgainAt == null && b.attributes.isEmpty()
                        ? b.lease
                        : new Metadata(
                                b.lease,
                                b.stages,
                                b.nextRotation,
                                b.checkAgainAt,
                                Collections.unmodifiableMap(new LinkedHashMap<>(b.attributes)));
    }

    private Lease leaseOrNull() {
        Object o = leaseOrMetadata;
        return o instanceof Metadata ? ((Metadata) o).lease : (Lease) o;
    }

    private Metadata metadata() {
        Object o = leaseOrMetadata;
        return o instanceof Metadata ? (Metadata) o : Metadata.NONE;
    }

    private static Object[] slots(Map<String, byte[]> fields) {
        if (fields.isEmpty()) {
            return null;
        }
        Object[] slots = new Object[3 * fields.size()];
        int i = 0;
        for (Map.Entry<String, byte[]> f : fields.entrySet()) {
            slots[i] = f.getKey();
            slots[i + 1] = f.getValue();
            i += 3;
        }
        return slots;
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
        b.version = version();
        b.raw = raw == null ? null : raw.clone();
        for (int i = 0; fields != null && i < fields.length; i += 3) {
            b.fields.put((String) fields[i], ((byte[]) fields[i + 1]).clone());
        }
        Metadata metadata = metadata();
        b.lease = leaseOrNull();
        b.fetchedAt = fetchedAt();
        b.stages = metadata.stages;
        b.nextRotation = metadata.nextRotation;
        b.checkAgainAt = metadata.checkAgainAt;
        b.attributes.putAll(metadata.attributes);
        return b;
    }

    /**
     * This version with another lease (after a renewal): the same version id and the same value bytes, which the two
     * objects share, so wiping one wipes both's bytes (and the fields' Strings, which they share too).
     */
    public Secret withLease(Lease newLease) {
        checkNotWiped();
        return sharingValues(newLease, metadata().nextRotation);
    }

    /**
     * This version as the store now describes it: the same values and metadata, with {@code date} as its next rotation
     * date (null: none announced). The copy shares the values with this one (wiping either wipes both), as {@link
     * #withLease} does.
     */
    public Secret withNextRotation(Instant date) {
        checkNotWiped();
        return sharingValues(leaseOrNull(), date);
    }

    /** A copy that shares this version's value bytes and Strings, with {@code lease} and {@code nextRotation}. */
    private Secret sharingValues(Lease lease, Instant nextRotation) {
        Builder b = new Builder(ref);
        b.sharedVersion = version;
        b.raw = raw;
        b.fieldSlots = fields;
        Metadata metadata = metadata();
        b.lease = lease;
        b.fetchedAt = fetchedAt();
        b.stages = metadata.stages;
        b.nextRotation = nextRotation;
        b.checkAgainAt = metadata.checkAgainAt;
        b.attributes.putAll(metadata.attributes);
        Secret copy = new Secret(b);
        copy.rawString = rawString;
        return copy;
    }

    /** The secret this version belongs to (without a field). */
    public SecretRef ref() {
        return ref;
    }

    /**
     * The source's version id, or one Rotor derived (a counter) when the source has none. An ASCII id is kept as its
     * bytes, so each call makes an equal {@code String}: compare versions with {@code equals}, not {@code ==}.
     */
    public String version() {
        return CompactText.text(version);
    }

    /**
     * The raw value; for a secret with exactly one field, that field's value. The same {@code String} on every call for
     * this version: made on the first call, never wiped (see the class comment; {@link #bytes()} is the wipeable form).
     *
     * @throws SecretFormatException when the secret has several fields and no raw value
     */
    public String value() {
        checkNotWiped();
        if (raw != null) {
            String s = rawString; // a String is safe to read through a race: its fields are final
            return s != null ? s : cacheRaw();
        }
        if (fields != null && fields.length == 3) {
            return fieldString(0);
        }
        throw noSingleValue();
    }

    /**
     * The value of {@code ref}'s field if it names one, else {@link #value()}; a {@code String} made once per version
     * and field, as {@link #value()}'s.
     */
    public String value(SecretRef ref) {
        Optional<String> f = ref.field();
        if (f.isEmpty()) {
            return value();
        }
        checkNotWiped();
        int i = indexOf(f.get());
        if (i < 0) {
            throw noSuchField(f.get(), ref);
        }
        return fieldString(i);
    }

    // the failures are made out of line, so that the reads above stay small enough to be inlined where they are called
    private SecretFormatException noSingleValue() {
        return new SecretFormatException(
                "secret has fields " + fieldNames() + " and no single value; name a field", ref, null);
    }

    private SecretFormatException noSuchField(String name, SecretRef asked) {
        return new SecretFormatException("secret has no field '" + name + "'; it has " + fieldNames(), asked, null);
    }

    /**
     * A copy of the raw value's bytes (the single field's, as for {@link #value()}): the wipeable form of the value,
     * a new array on every call, for the caller to overwrite when done.
     */
    public byte[] bytes() {
        checkNotWiped();
        if (raw != null) {
            return raw.clone();
        }
        if (fields != null && fields.length == 3) {
            return ((byte[]) fields[1]).clone();
        }
        throw noSingleValue();
    }

    /** One field's value: a {@code String} made once per version and field, as {@link #value()}'s. */
    public Optional<String> field(String name) {
        checkNotWiped();
        int i = indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(fieldString(i));
    }

    /** The names of the fields, in the source's order. Names are not secret. */
    public Set<String> fieldNames() {
        return fields == null ? Set.of() : new FieldNames(fields);
    }

    /** Whether this version has a raw value rather than (or as well as) fields. */
    public boolean hasRawValue() {
        return raw != null;
    }

    /** A copy of all fields as strings (the map is new; the Strings are the version's own, as {@link #field}'s). */
    public Map<String, String> fields() {
        checkNotWiped();
        Map<String, String> copy = new LinkedHashMap<>();
        for (int i = 0; fields != null && i < fields.length; i += 3) {
            copy.put((String) fields[i], fieldString(i));
        }
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
            if (fields == null && raw != null) {
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
        return Optional.ofNullable(leaseOrNull());
    }

    /** When Rotor received this version from the source. */
    public Instant fetchedAt() {
        return Instant.ofEpochSecond(0, fetchedEpochNanos);
    }

    /** The source's stage labels for this version (for example {@code AWSCURRENT}); empty when it has none. */
    public List<String> stages() {
        return metadata().stages;
    }

    /** When the source will next rotate the secret, if it says. */
    public Optional<Instant> nextRotation() {
        return Optional.ofNullable(metadata().nextRotation);
    }

    /**
     * When the source asked to be looked at again, if sooner than the refresh the policy schedules (the poll, or for a
     * leased version the lease refresh): a store with a rotation under way, a mounted certificate polled for its
     * replacement. A hint for the engine's schedule, not a property of the secret.
     */
    public Optional<Instant> checkAgainAt() {
        return Optional.ofNullable(metadata().checkAgainAt);
    }

    /** Other non-secret attributes the source reported (creation time, ARN, ...). */
    public Map<String, String> attributes() {
        return metadata().attributes;
    }

    /** Whether the values have been wiped because the version was retired. */
    public boolean isWiped() {
        return wiped;
    }

    /**
     * Overwrites the value bytes with zeros and drops the version's references to the Strings made from them (which
     * cannot be overwritten; they live until the garbage collector reclaims them). Rotor calls it when it retires a
     * version; a source may call it on a version it built but discarded. Idempotent.
     */
    public void wipe() {
        wiped = true;
        RAW_STRING.setVolatile(this, null);
        if (raw != null) {
            Arrays.fill(raw, (byte) 0);
        }
        for (int i = 0; fields != null && i < fields.length; i += 3) {
            SLOT.setVolatile(fields, i + 2, null);
            Arrays.fill((byte[]) fields[i + 1], (byte) 0);
        }
    }

    /**
     * The first read of the raw value as a String: decodes it and keeps it, unless another read kept one first. A wipe
     * may run at the same time: the String is kept before {@code wiped} is read again, and wipe() sets {@code wiped}
     * before it drops the String, so either this read sees the wipe and drops what it kept, or the wipe drops it.
     */
    private String cacheRaw() {
        String decoded = new String(raw, StandardCharsets.UTF_8);
        String kept = RAW_STRING.compareAndSet(this, null, decoded) ? decoded : (String) RAW_STRING.getVolatile(this);
        if (wiped) {
            RAW_STRING.setVolatile(this, null);
            checkNotWiped();
        }
        return kept != null ? kept : decoded;
    }

    /** The String of the field whose name is in slot {@code i}: made on the first read, as {@link #cacheRaw()}. */
    private String fieldString(int i) {
        String s = (String) fields[i + 2];
        return s != null ? s : cacheField(i);
    }

    private String cacheField(int i) {
        String decoded = new String((byte[]) fields[i + 1], StandardCharsets.UTF_8);
        String kept =
                SLOT.compareAndSet(fields, i + 2, null, decoded) ? decoded : (String) SLOT.getVolatile(fields, i + 2);
        if (wiped) {
            SLOT.setVolatile(fields, i + 2, null);
            checkNotWiped();
        }
        return kept != null ? kept : decoded;
    }

    /** The slot of the field named {@code name}, or -1. A scan: versions have few fields. */
    private int indexOf(String name) {
        for (int i = 0; fields != null && i < fields.length; i += 3) {
            if (fields[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private void checkNotWiped() {
        if (wiped) {
            throw wipedFailure();
        }
    }

    private IllegalStateException wipedFailure() {
        return new IllegalStateException("secret version " + version() + " of " + ref
                + " was retired and wiped; read the current version through Secrets or a handle");
    }

    @Override
    public String toString() {
        return "Secret{ref=" + ref + ", version=" + version()
                + (raw != null ? ", value=****" : "")
                + (fields == null ? "" : ", fields=" + fieldNames() + " (values hidden)")
                + (leaseOrNull() != null ? ", lease=" + leaseOrNull() : "")
                + ", fetchedAt=" + fetchedAt()
                + (stages().isEmpty() ? "" : ", stages=" + stages())
                + (wiped ? ", wiped" : "") + "}";
    }

    /** The names of a version's fields, in order: a view of the name slots. */
    private static final class FieldNames extends AbstractSet<String> {
        private final Object[] slots;

        FieldNames(Object[] slots) {
            this.slots = slots;
        }

        @Override
        public Iterator<String> iterator() {
            return new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return i < slots.length;
                }

                @Override
                public String next() {
                    if (i >= slots.length) {
                        throw new NoSuchElementException();
                    }
                    String name = (String) slots[i];
                    i += 3;
                    return name;
                }
            };
        }

        @Override
        public int size() {
            return slots.length / 3;
        }

        @Override
        public boolean contains(Object o) {
            for (int i = 0; i < slots.length; i += 3) {
                if (slots[i].equals(o)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** What the source said about a version besides its values (and its lease); most versions have none. */
    private static final class Metadata {
        static final Metadata NONE = new Metadata(null, List.of(), null, null, Map.of());
        final Lease lease;
        final List<String> stages;
        final Instant nextRotation;
        final Instant checkAgainAt;
        final Map<String, String> attributes;

        Metadata(
                Lease lease,
                List<String> stages,
                Instant nextRotation,
                Instant checkAgainAt,
                Map<String, String> attributes) {
            this.lease = lease;
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
        /** Set by withLease(): the compact version id of the version renewed, shared with it. */
        private Object sharedVersion;
        /** Set by withLease(): the slots of the version renewed, shared with it. */
        private Object[] fieldSlots;

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
