package dev.rotor.secrets.redis;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.jdbc.CredentialFields;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Lettuce credentials from a secret: each new connection logs in with the version in service, and, as a streaming
 * provider, every new version is pushed to the open connections, which send {@code AUTH} again when the client is
 * built with {@code ClientOptions.ReauthenticateBehavior.ON_NEW_CREDENTIALS} (Lettuce 6.6 and later, RESP3).
 *
 * <pre>{@code
 * SecretRedisCredentialsProvider credentials = SecretRedisCredentialsProvider.builder(secrets, "vault:secret/cache")
 *         .onHandOver(h -> log.info("{}", h))
 *         .bind();
 * RedisURI uri = RedisURI.builder().withHost("cache").withPort(6379).withAuthentication(credentials).build();
 * RedisClient client = RedisClient.create(uri);
 * client.setOptions(ClientOptions.builder()
 *         .reauthenticateBehavior(ClientOptions.ReauthenticateBehavior.ON_NEW_CREDENTIALS)
 *         .build());
 * }</pre>
 *
 * <p><b>Fields.</b> The user name and password come from the fields named by {@link Builder#fields(CredentialFields)}
 * (default {@code username} and {@code password}); {@link Builder#passwordOnly(String)} reads a password alone, for a
 * server that authenticates the {@code default} user ({@code requirepass}). A version without them is refused (a
 * {@link HandOver} that failed, naming the missing field) and the connections keep the credentials they have.
 *
 * <p><b>Rotating a Redis password.</b> Add the new password to the user ({@code ACL SETUSER app >new}), let the
 * store publish the version, and remove the old password ({@code ACL SETUSER app <old}) once the hand-over is
 * reported: open connections have sent {@code AUTH} with the new one by then or shortly after (Lettuce re-authenticates
 * asynchronously, and defers it while a connection is in a transaction or subscribed), and a connection that
 * authenticated with the old password stays authenticated on the server either way.
 *
 * <p><b>Events.</b> Each hand-over is reported like every {@link ConsumerBinding}: a {@code HANDED_OVER} event with
 * {@link Builder#name(String)} (default {@code "redis"}) as the source and {@code redis-credentials} as the detail.
 * Neither the events nor {@link #toString()} nor the credentials' own {@code toString()} show a password.
 *
 * <p><b>Threads.</b> Thread-safe. Versions are pushed on the engine thread that delivers them; Lettuce sends the
 * {@code AUTH} on its own event loop. {@link #close()} stops following the secret and completes the stream: open
 * connections keep the credentials they have, new ones log in with the last version handed over.
 */
public final class SecretRedisCredentialsProvider implements RedisCredentialsProvider, Subscription {
    private final SecretHandle handle;
    private final Fields fields;
    private final String name;
    private final Sinks.Many<RedisCredentials> versions = Sinks.many().replay().latest();
    private volatile RedisCredentials current;
    private final ConsumerBinding binding;

    private SecretRedisCredentialsProvider(Builder b) {
        this.handle = b.secrets.handle(b.ref.toString());
        this.fields = b.fieldsToRead();
        this.name = b.name;
        ConsumerBinding.Builder cb = ConsumerBinding.builder(b.secrets, new Consumer(), b.ref.toString());
        for (HandOverListener l : b.listeners) {
            cb.onHandOver(l);
        }
        if (b.time != null) {
            cb.timeSource(b.time);
        }
        this.binding = cb.bind();
    }

    /** Options for credentials from {@code ref} (a field in the ref is ignored: the fields are named separately). */
    public static Builder builder(Secrets secrets, String ref) {
        return new Builder(secrets, ref);
    }

    /**
     * The credentials of the version last handed over (before the first hand-over, of the version in service).
     *
     * @return a {@code Mono} that fails with a {@link dev.rotor.secrets.SecretException} when the secret cannot be
     *     served or lacks a field
     */
    @Override
    public Mono<RedisCredentials> resolveCredentials() {
        return Mono.fromSupplier(() -> {
            RedisCredentials c = current;
            return c != null ? c : fields.credentials(handle.current());
        });
    }

    /** True: {@link #credentials()} pushes every new version. */
    @Override
    public boolean supportsStreaming() {
        return true;
    }

    /**
     * The credentials of each version handed over: the latest one first (replayed to each new subscriber), then each
     * new one; completes when the provider is closed.
     */
    @Override
    public Flux<RedisCredentials> credentials() {
        return versions.asFlux();
    }

    /** The ref followed. */
    public SecretRef ref() {
        return binding.ref();
    }

    /** How many versions were handed over (the first included). */
    public int handOvers() {
        return binding.handOvers();
    }

    /** How many versions were refused (a missing field). */
    public int refused() {
        return binding.refused();
    }

    /** The version whose credentials are handed out; empty before the first hand-over. */
    public Optional<String> version() {
        return binding.consumerVersion();
    }

    /** The latest hand-over (or refusal); empty before the first. */
    public Optional<HandOver> lastHandOver() {
        return binding.lastHandOver();
    }

    /** Stops following the secret and completes {@link #credentials()}. Idempotent. */
    @Override
    public void close() {
        binding.close();
        versions.tryEmitComplete();
    }

    @Override
    public String toString() {
        return "SecretRedisCredentialsProvider{ref=" + binding.ref() + ", name=" + name + ", " + fields + ", version="
                + binding.consumerVersion().orElse("-") + ", handOvers=" + binding.handOvers() + "}";
    }

    private final class Consumer implements SecretConsumer {
        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "redis-credentials";
        }

        @Override
        public String displayName() {
            return "Redis client " + name;
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            fields.check(candidate);
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            RedisCredentials next = fields.check(change.current());
            current = next;
            // serial delivery: a failure here can only be a completed sink (closed), which is fine
            versions.tryEmitNext(next);
        }
    }

    /** The fields to read: a user name and a password, or a password alone. */
    private static final class Fields {
        private final CredentialFields pair;
        private final String passwordOnly;

        Fields(CredentialFields pair, String passwordOnly) {
            this.pair = pair;
            this.passwordOnly = passwordOnly;
        }

        RedisCredentials credentials(Secret s) {
            if (passwordOnly != null) {
                return new Credentials(null, s.field(passwordOnly).orElseThrow(() -> missing(s, passwordOnly)));
            }
            return new Credentials(pair.username(s), pair.password(s));
        }

        RedisCredentials check(Secret s) throws SecretRejectedException {
            String user = passwordOnly != null ? null : pair.usernameField();
            String password = passwordOnly != null ? passwordOnly : pair.passwordField();
            if (user != null && s.field(user).isEmpty()) {
                throw new SecretRejectedException("field '" + user + "' missing");
            }
            if (s.field(password).isEmpty()) {
                throw new SecretRejectedException("field '" + password + "' missing");
            }
            return credentials(s);
        }

        private static SecretFormatException missing(Secret s, String field) {
            return new SecretFormatException("version " + s.version() + " has no field '" + field + "'", s.ref(), null);
        }

        @Override
        public String toString() {
            return passwordOnly != null ? "password=" + passwordOnly : pair.toString();
        }
    }

    /** One version's credentials; prints without the password. */
    private static final class Credentials implements RedisCredentials {
        private final String username;
        private final String password;

        Credentials(String username, String password) {
            this.username = username;
            this.password = password;
        }

        @Override
        public String getUsername() {
            return username;
        }

        @Override
        public boolean hasUsername() {
            return username != null;
        }

        @Override
        public char[] getPassword() {
            return password.toCharArray();
        }

        @Override
        public boolean hasPassword() {
            return true;
        }

        @Override
        public String toString() {
            return "RedisCredentials{username=" + (username == null ? "(default)" : username) + ", password=****}";
        }
    }

    /** Options of a {@link SecretRedisCredentialsProvider}; {@link #bind()} starts it. Not thread-safe. */
    public static final class Builder {
        private final Secrets secrets;
        private final SecretRef ref;
        private CredentialFields fields = CredentialFields.defaults();
        private String passwordOnly;
        private String name = "redis";
        private final List<HandOverListener> listeners = new ArrayList<>();
        private TimeSource time;

        private Builder(Secrets secrets, String ref) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            this.ref = SecretRef.parse(Objects.requireNonNull(ref, "ref")).withoutField();
        }

        /** The user name and password fields (default {@link CredentialFields#defaults()}). */
        public Builder fields(CredentialFields fields) {
            this.fields = Objects.requireNonNull(fields, "fields");
            this.passwordOnly = null;
            return this;
        }

        /** Reads a password alone from {@code field}, for the {@code default} user ({@code requirepass}). */
        public Builder passwordOnly(String field) {
            Objects.requireNonNull(field, "passwordOnly");
            if (field.isBlank()) {
                throw new IllegalArgumentException("passwordOnly must not be blank");
            }
            this.passwordOnly = field;
            return this;
        }

        /** What events and logs call the client (default {@code "redis"}). */
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
         * Starts following the secret: loads it if needed and hands the current version over.
         *
         * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded
         */
        public SecretRedisCredentialsProvider bind() {
            return new SecretRedisCredentialsProvider(this);
        }

        Fields fieldsToRead() {
            return new Fields(fields, passwordOnly);
        }
    }
}
