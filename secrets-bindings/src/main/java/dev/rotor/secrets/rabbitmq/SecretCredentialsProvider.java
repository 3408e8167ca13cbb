package dev.rotor.secrets.rabbitmq;

import com.rabbitmq.client.impl.CredentialsProvider;
import com.rabbitmq.client.impl.CredentialsRefreshService;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RabbitMQ credentials from a secret, for the Java client's {@code ConnectionFactory}: each connection logs in with
 * the version handed over last, {@link #getTimeBeforeExpiration()} is what is left of its lease, and, as its own
 * {@link CredentialsRefreshService} ({@link #refreshService()}), it pushes each new version to the open connections
 * of a leased secret, which send it to the broker ({@code connection.update-secret}).
 *
 * <pre>{@code
 * SecretCredentialsProvider credentials = SecretCredentialsProvider.builder(secrets, "vault:rabbitmq/creds/app").bind();
 * ConnectionFactory factory = new ConnectionFactory();
 * factory.setHost("broker");
 * factory.setCredentialsProvider(credentials);
 * factory.setCredentialsRefreshService(credentials.refreshService());
 * }</pre>
 *
 * <p><b>Leases.</b> A version with a lease answers {@link #getTimeBeforeExpiration()} with the time left (never
 * negative), measured on the client's clock; the client then registers each connection with the refresh service. A
 * version without one answers null: the client registers nothing, new connections log in with the new version, open
 * ones stay logged in (the broker does not close a connection when its user's password changes). The refresh service
 * never asks for an early refresh ({@link CredentialsRefreshService#isApproachingExpiration} is false): Rotor's engine
 * refreshes the secret before its lease ends; {@link #refresh()} does nothing for the same reason.
 *
 * <p><b>Events.</b> Each hand-over is reported like every {@link ConsumerBinding}'s ({@code rabbitmq-credentials} as
 * the detail, {@link Builder#name(String)} as the source); neither they nor {@link #toString()} show the password.
 *
 * <p><b>Threads.</b> Thread-safe. Versions are taken on the engine thread that delivers them; the pushes to open
 * connections run on one daemon thread of the provider's own, so that a slow broker never holds up the engine. A push
 * that fails is logged by the exception's class and the connection is dropped from the registrations.
 */
public final class SecretCredentialsProvider implements CredentialsProvider, Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(SecretCredentialsProvider.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Secrets secrets;
    private final CredentialFields fields;
    private final String name;
    private final TimeSource time;
    private final Map<String, Callable<Boolean>> connections = new ConcurrentHashMap<>();
    private final ExecutorService pushes;
    private final AtomicInteger pushed = new AtomicInteger();
    private final RefreshService refreshService = new RefreshService();
    private volatile Version current;
    private final ConsumerBinding binding;

    private SecretCredentialsProvider(Builder b) {
        this.secrets = b.secrets;
        this.fields = b.fields;
        this.name = b.name;
        this.time = b.time != null ? b.time : b.secrets.timeSource();
        this.pushes = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rotor-rabbitmq-credentials-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        ConsumerBinding.Builder cb = ConsumerBinding.builder(b.secrets, new Consumer(), b.ref.toString());
        for (HandOverListener l : b.listeners) {
            cb.onHandOver(l);
        }
        cb.timeSource(time);
        this.binding = cb.bind();
        if (current == null) {
            // the first delivery may run on another thread: read the version in service now
            Secret s = b.secrets.get(b.ref);
            current = new Version(
                    fields.username(s), fields.password(s), s.lease().orElse(null));
        }
    }

    /** Options for credentials from {@code ref} (a field in the ref is ignored: the fields are named separately). */
    public static Builder builder(Secrets secrets, String ref) {
        return new Builder(secrets, ref);
    }

    @Override
    public String getUsername() {
        return current.username;
    }

    @Override
    public String getPassword() {
        return current.password;
    }

    /** What is left of the lease of the version handed over (zero once it ended); null when it has no lease. */
    @Override
    public Duration getTimeBeforeExpiration() {
        Lease lease = current.lease;
        if (lease == null) {
            return null;
        }
        Duration left = Duration.between(time.now(), lease.expiresAt());
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** Does nothing: Rotor's engine refreshes the secret before its lease ends and hands each version over. */
    @Override
    public void refresh() {}

    /** The refresh service to give the same {@code ConnectionFactory}: it pushes each new version to open connections. */
    public CredentialsRefreshService refreshService() {
        return refreshService;
    }

    /** How many connections are registered for pushes. */
    public int registeredConnections() {
        return connections.size();
    }

    /** How many pushes to connections succeeded. */
    public int pushes() {
        return pushed.get();
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

    /** The version handed out; empty before the first hand-over. */
    public Optional<String> version() {
        return binding.consumerVersion();
    }

    /** The latest hand-over (or refusal); empty before the first. */
    public Optional<HandOver> lastHandOver() {
        return binding.lastHandOver();
    }

    /** Stops following the secret and pushing; connections keep the credentials they have. Idempotent. */
    @Override
    public void close() {
        binding.close();
        pushes.shutdownNow();
        connections.clear();
    }

    @Override
    public String toString() {
        return "SecretCredentialsProvider{ref=" + binding.ref() + ", name=" + name + ", " + fields + ", version="
                + binding.consumerVersion().orElse("-") + ", connections=" + connections.size() + "}";
    }

    private void pushToConnections(SecretRef ref) {
        for (Map.Entry<String, Callable<Boolean>> e : connections.entrySet()) {
            boolean keep;
            try {
                keep = Boolean.TRUE.equals(e.getValue().call());
                if (keep) {
                    pushed.incrementAndGet();
                }
            } catch (Exception ex) {
                LOG.warn(
                        "Rotor could not send the new version of {} to a RabbitMQ connection of {} ({})",
                        ref,
                        name,
                        ex.getClass().getName());
                keep = false;
            }
            if (!keep) {
                connections.remove(e.getKey(), e.getValue());
            }
        }
    }

    /** One version's credentials; prints without them. */
    private static final class Version {
        final String username;
        final String password;
        final Lease lease;

        Version(String username, String password, Lease lease) {
            this.username = username;
            this.password = password;
            this.lease = lease;
        }

        @Override
        public String toString() {
            return "Version{****}";
        }
    }

    private final class Consumer implements SecretConsumer {
        @Override
        public String name() {
            return name;
        }

        @Override
        public String kind() {
            return "rabbitmq-credentials";
        }

        @Override
        public String displayName() {
            return "RabbitMQ client " + name;
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
            check(candidate);
        }

        @Override
        public void accept(SecretChange change) throws SecretRejectedException {
            Secret s = change.current();
            check(s);
            boolean first = current == null;
            current = new Version(
                    fields.username(s), fields.password(s), s.lease().orElse(null));
            if (!first && !connections.isEmpty()) {
                SecretRef ref = change.ref();
                try {
                    pushes.execute(() -> pushToConnections(ref));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // closed meanwhile: nothing more to push
                }
            }
        }

        private void check(Secret s) throws SecretRejectedException {
            for (String f : List.of(fields.usernameField(), fields.passwordField())) {
                if (s.field(f).isEmpty()) {
                    throw new SecretRejectedException("field '" + f + "' missing");
                }
            }
        }
    }

    /** The client's registrations of its connections; each new version is pushed to them. */
    private final class RefreshService implements CredentialsRefreshService {
        @Override
        public String register(CredentialsProvider provider, Callable<Boolean> refreshAction) {
            Objects.requireNonNull(refreshAction, "refreshAction");
            if (provider != SecretCredentialsProvider.this) {
                throw new IllegalArgumentException(
                        "this refresh service serves its own SecretCredentialsProvider only");
            }
            String id = UUID.randomUUID().toString();
            connections.put(id, refreshAction);
            return id;
        }

        @Override
        public void unregister(CredentialsProvider provider, String registrationId) {
            if (registrationId != null) {
                connections.remove(registrationId);
            }
        }

        /** Never: Rotor's engine refreshes before the lease ends. */
        @Override
        public boolean isApproachingExpiration(Duration timeBeforeExpiration) {
            return false;
        }

        @Override
        public String toString() {
            return "SecretCredentialsRefreshService{" + name + ", connections=" + connections.size() + "}";
        }
    }

    /** Options of a {@link SecretCredentialsProvider}; {@link #bind()} starts it. Not thread-safe. */
    public static final class Builder {
        private final Secrets secrets;
        private final SecretRef ref;
        private CredentialFields fields = CredentialFields.defaults();
        private String name = "rabbitmq";
        private final List<HandOverListener> listeners = new ArrayList<>();
        private TimeSource time;

        private Builder(Secrets secrets, String ref) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            this.ref = SecretRef.parse(Objects.requireNonNull(ref, "ref")).withoutField();
        }

        /** The user name and password fields (default {@link CredentialFields#defaults()}). */
        public Builder fields(CredentialFields fields) {
            this.fields = Objects.requireNonNull(fields, "fields");
            return this;
        }

        /** What events and logs call the client (default {@code "rabbitmq"}). */
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

        /** The clock for lease times, hand-over times and durations (default the client's). */
        public Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "timeSource");
            return this;
        }

        /**
         * Starts following the secret: loads it if needed and takes the current version.
         *
         * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded or lacks a field
         */
        public SecretCredentialsProvider bind() {
            return new SecretCredentialsProvider(this);
        }
    }
}
