package dev.rotor.secrets.http;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.consumer.SecretConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP header that carries the current version of a secret: {@code Authorization: Bearer <token>} or an API key in
 * a header of its own. It is the consumer behind {@link SecretHeaderInterceptor} (OkHttp) and {@link
 * SecretHeaderHttpClient} (the JDK's {@code HttpClient}); each new version is handed over like every {@link
 * ConsumerBinding}'s, and {@link #value()} is one volatile read.
 *
 * <pre>{@code
 * SecretHeader bearer = SecretHeader.bearer(secrets, "vault:secret/billing#token").bind();
 * SecretHeader apiKey = SecretHeader.builder(secrets, "aws-sm:prod/maps")
 *         .header("X-Api-Key")
 *         .field("key")
 *         .bind();
 * }</pre>
 *
 * <p><b>Rejected credentials.</b> When the server answers 401, the caller asks {@link #afterRejection(String)} with the
 * value it sent: if a newer value is already in use, that one; otherwise the secret is refreshed once ({@link
 * Secrets#refresh}, one call to the store however many requests were rejected with the same value) and the new value
 * if the store had one. Empty when the store still holds the rejected value: the caller returns the 401 and does not
 * retry, so a wrong key never turns into a loop.
 *
 * <p><b>Format.</b> The header's value is {@link Builder#prefix(String)} followed by the field ({@link
 * Builder#field(String)}, default the ref's field, else the version's raw value). A version without the field is
 * refused (a failed {@link HandOver} naming the field) and the header keeps the value it had.
 *
 * <p><b>Safety.</b> The value never appears in {@link #toString()}, events, hand-overs, logs or exception messages.
 *
 * <p><b>Threads.</b> Thread-safe. {@link #value()} may be called from any thread; {@link #afterRejection} blocks the
 * calling thread for the refresh (one at a time per header).
 */
public final class SecretHeader implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(SecretHeader.class);

    private final Secrets secrets;
    private final SecretRef ref;
    private final String header;
    private final String prefix;
    private final String field;
    private final String name;
    private final Object refreshLock = new Object();
    private volatile String value;
    private final ConsumerBinding binding;

    private SecretHeader(Builder b) {
        this.secrets = b.secrets;
        this.ref = b.ref;
        this.header = b.header;
        this.prefix = b.prefix;
        this.field = b.field;
        this.name = b.name;
        ConsumerBinding.Builder cb = ConsumerBinding.builder(b.secrets, new Consumer(), b.ref.toString());
        for (HandOverListener l : b.listeners) {
            cb.onHandOver(l);
        }
        if (b.time != null) {
            cb.timeSource(b.time);
        }
        this.binding = cb.bind();
        if (value == null) {
            // the first delivery may run on another thread: read the version in service now
            value = format(secrets.get(ref));
        }
    }

    /** {@code Authorization: Bearer <value>} from {@code ref}; a field in the ref names the field to read. */
    public static Builder bearer(Secrets secrets, String ref) {
        return builder(secrets, ref).header("Authorization").prefix("Bearer ");
    }

    /** Options for a header from {@code ref} (default {@code Authorization: Bearer <value>}). */
    public static Builder builder(Secrets secrets, String ref) {
        return new Builder(secrets, ref);
    }

    /** The header's name. */
    public String headerName() {
        return header;
    }

    /** The header's value now: the prefix and the secret's value. One volatile read. */
    public String value() {
        return value;
    }

    /**
     * What to send after the server rejected {@code rejected} (a 401): the newer value already in use, or the value
     * after one refresh of the secret; empty when the store has nothing newer (then do not retry).
     */
    public Optional<String> afterRejection(String rejected) {
        Objects.requireNonNull(rejected, "rejected");
        synchronized (refreshLock) {
            String now = value;
            if (!now.equals(rejected)) {
                return Optional.of(now); // another request already refreshed it
            }
            String next;
            try {
                next = format(secrets.refresh(ref.toString()));
            } catch (SecretException e) {
                LOG.warn(
                        "Rotor could not refresh {} after {} was rejected ({}); not retrying",
                        ref,
                        displayName(),
                        e.getClass().getName());
                return Optional.empty();
            }
            if (next.equals(rejected)) {
                LOG.info("Rotor refreshed {} after {} was rejected: the store has no newer value", ref, displayName());
                return Optional.empty();
            }
            value = next; // the binding hands the same version over too, possibly later on an engine thread
            return Optional.of(next);
        }
    }

    /** The ref followed. */
    public SecretRef ref() {
        return ref;
    }

    /** How many versions were handed over (the first included). */
    public int handOvers() {
        return binding.handOvers();
    }

    /** How many versions were refused (a missing field). */
    public int refused() {
        return binding.refused();
    }

    /** The latest hand-over (or refusal); empty before the first. */
    public Optional<HandOver> lastHandOver() {
        return binding.lastHandOver();
    }

    /** Stops following the secret; the header keeps its value. Idempotent. */
    @Override
    public void close() {
        binding.close();
    }

    @Override
    public String toString() {
        return "SecretHeader{ref=" + ref + ", name=" + name + ", header=" + header + ": ****, version="
                + binding.consumerVersion().orElse("-") + ", handOvers=" + binding.handOvers() + "}";
    }

    private String displayName() {
        return "HTTP header " + header + " of " + name;
    }

    private String format(Secret s) {
        String v = field == null ? s.value() : s.field(field).orElse(null);
        if (v == null) {
            throw new SecretFormatException("version " + s.version() + " has no field '" + field + "'", s.ref(), null);
        }
        if (!headerSafe(v)) {
            throw new SecretFormatException(
                    "version " + s.version() + " is not a valid header value (control characters)", s.ref(), null);
        }
        return prefix + v;
    }

    /** Visible ASCII, spaces and tabs only: an HTTP client's own error for anything else may quote the value. */
    private static boolean headerSafe(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c >= 0x7f) {
                return false;
            }
        }
        return !v.isEmpty();
    }

    private final class Consumer implements SecretConsumer {
        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "http-header";
        }

        @Override
        public String displayName() {
            return SecretHeader.this.displayName();
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            check(candidate);
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            check(change.current());
            value = format(change.current());
        }

        private void check(Secret s) throws SecretRejectedException {
            if (field != null
                    ? s.field(field).isEmpty()
                    : !s.hasRawValue() && s.fieldNames().size() != 1) {
                throw new SecretRejectedException(
                        field != null ? "field '" + field + "' missing" : "no raw value and no field named");
            }
            if (!headerSafe(field == null ? s.value() : s.field(field).orElseThrow())) {
                throw new SecretRejectedException("value is not a valid header value (control characters)");
            }
        }
    }

    /** Options of a {@link SecretHeader}; {@link #bind()} starts it. Not thread-safe. */
    public static final class Builder {
        private final Secrets secrets;
        private final SecretRef ref;
        private String header = "Authorization";
        private String prefix = "Bearer ";
        private String field;
        private String name = "http";
        private final List<HandOverListener> listeners = new ArrayList<>();
        private TimeSource time;

        private Builder(Secrets secrets, String ref) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            SecretRef parsed = SecretRef.parse(Objects.requireNonNull(ref, "ref"));
            this.ref = parsed.withoutField();
            this.field = parsed.field().orElse(null);
        }

        /**
         * The header's name, for an API key ({@code "X-Api-Key"}); the prefix becomes empty unless set after. Default
         * {@code Authorization}.
         */
        public Builder header(String header) {
            Objects.requireNonNull(header, "header");
            if (!header.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw new IllegalArgumentException("header must be a header name (a token), was '" + header + "'");
            }
            this.header = header;
            this.prefix = "";
            return this;
        }

        /** What goes before the value ({@code "Bearer "}, {@code "Token "}); may be empty. */
        public Builder prefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            if (prefix.indexOf('\r') >= 0 || prefix.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("prefix must not contain a line break");
            }
            return this;
        }

        /** The field that holds the value (default the ref's field, else the raw value of the version). */
        public Builder field(String field) {
            Objects.requireNonNull(field, "field");
            if (field.isBlank()) {
                throw new IllegalArgumentException("field must not be blank");
            }
            this.field = field;
            return this;
        }

        /** What events and logs call the API client (default {@code "http"}). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Told of every hand-over and refusal; each call adds a listener. */
        public Builder onHandOver(HandOverListener listener) {
            listeners.add(Objects.requireNonNull(listener, "onHandOver"));
            return this;
        }

        /** The clock for hand-over times and durations (default the client's). */
        public Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "timeSource");
            return this;
        }

        /**
         * Starts following the secret: loads it if needed and takes the current version into use.
         *
         * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded or lacks the field
         */
        public SecretHeader bind() {
            return new SecretHeader(this);
        }
    }
}
