package dev.rotor.secrets.consumer;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.SecretValidator;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.Subscription;
import dev.rotor.secrets.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one {@link SecretConsumer} on the current version of one secret: watches the secret on a {@link Secrets}
 * client and offers the consumer each version, validated ({@link Builder#validateOnDelivery(boolean)}) and then
 * accepted. Each hand-over, and each refusal, is measured on the client's clock and reported as a {@link HandOver}
 * to the {@link Builder#onHandOver(HandOverListener) listeners} and as a {@link SecretEventType#HANDED_OVER} event to
 * the client's event listeners and audit log: the consumer's name as the source, its kind as the detail, the version,
 * the version it replaced and the duration; a refusal as a {@link SecretRejectedException} naming the consumer and the
 * reason, never a value or a driver's message.
 *
 * <pre>{@code
 * SecretConsumer header = new ApiKeyHeader();               // see SecretConsumer
 * Secrets secrets = Secrets.builder()
 *         .validator("vault:secret/billing", ConsumerBinding.validator(header))
 *         .build();
 * try (ConsumerBinding binding = ConsumerBinding.builder(secrets, header, "vault:secret/billing")
 *         .validateOnDelivery(false)                        // the registered validator has vetted each version
 *         .onHandOver(h -> log.info("{}", h))
 *         .bind()) {
 *     // the header follows every rotation until the binding is closed
 * }
 * }</pre>
 *
 * <p><b>The first version.</b> When the consumer already uses the first version delivered ({@link
 * SecretConsumer#inUse}), there is nothing to hand over and nothing is reported; otherwise it is handed over like any
 * other, without a previous version.
 *
 * <p><b>Behind.</b> After a refusal the consumer keeps the version it had while the engine has moved on: {@link
 * #behind()} says so until a later version is handed over, and that hand-over's previous version is the consumer's,
 * not the refused one.
 *
 * <p><b>Drills.</b> While bound, the binding is known to its client ({@link Secrets#attach}): a rotation drill of
 * the secret ({@link Secrets#drill}) waits for its hand-over of the new version and reports it.
 *
 * <p><b>Threads.</b> Thread-safe. Versions are offered on the engine thread that delivers them, one at a time and in
 * order; {@link HandOverListener}s run there too, right after the hand-over. A listener that throws is logged (by its
 * class and the exception's class) and isolated: the other listeners still run. Closing the binding stops offering
 * versions; the consumer keeps the one it has.
 */
public final class ConsumerBinding implements Subscription {
    private static final Logger LOG = LoggerFactory.getLogger(ConsumerBinding.class);

    private final Secrets secrets;
    private final SecretConsumer consumer;
    private final SecretRef ref;
    private final boolean validateOnDelivery;
    private final List<HandOverListener> listeners;
    private final TimeSource time;
    private final FlightObserver observer; // the client's, or null
    private final AtomicInteger handOvers = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicReference<HandOver> last = new AtomicReference<>();
    private volatile Secret inUse; // the version the consumer uses; touched by the serial delivery only
    private volatile String consumerVersion; // its id, kept once the version itself is retired; same
    private volatile String latestVersion; // the latest version offered to the consumer; same
    private volatile boolean closed;
    private volatile Subscription watch;
    private volatile Subscription attached;

    private ConsumerBinding(Builder b) {
        this.secrets = b.secrets;
        this.consumer = b.consumer;
        this.ref = b.ref;
        this.validateOnDelivery = b.validateOnDelivery;
        this.listeners = List.copyOf(b.listeners);
        this.time = b.time == null ? b.secrets.timeSource() : b.time;
        this.observer = b.secrets.observer().orElse(null);
    }

    /**
     * Binds {@code consumer} to {@code ref} with the default options; see {@link #builder} for the others.
     *
     * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded
     */
    public static ConsumerBinding bind(Secrets secrets, SecretConsumer consumer, String ref) {
        return builder(secrets, consumer, ref).bind();
    }

    /** Options for binding {@code consumer} to {@code ref} (a field in the ref is ignored: a consumer gets it all). */
    public static Builder builder(Secrets secrets, SecretConsumer consumer, String ref) {
        return new Builder(secrets, consumer, ref);
    }

    /**
     * A validator to register on the {@link Secrets.Builder} for the consumer's secret: it runs {@link
     * SecretConsumer#validate} on each candidate version, with the version in service as {@code inUse}. A vetoed
     * version never reaches the consumer; the old one stays in service (its lease alive) and the engine retries with
     * backoff. It is named after the consumer ({@link SecretConsumer#displayName()}, read at each use), so that the
     * engine's refusal reads {@code HikariCP pool orders vetoed version 7 (login refused: SQLState 28000)}.
     *
     * <pre>{@code
     * Secrets.builder().validator(ref, ConsumerBinding.validator(consumer))
     * }</pre>
     */
    public static SecretValidator validator(SecretConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return new SecretValidator() {
            @Override
            public void validate(Secret candidate, Optional<Secret> current) throws SecretRejectedException {
                consumer.validate(candidate, current);
            }

            @Override
            public String name() {
                return consumer.displayName();
            }

            @Override
            public String toString() {
                return "SecretValidator{" + name() + "}";
            }
        };
    }

    /** Same as {@link #validator(SecretConsumer)} for this binding's consumer. */
    public SecretValidator validator() {
        return validator(consumer);
    }

    /** The ref this binding follows. */
    public SecretRef ref() {
        return ref;
    }

    /** The consumer this binding offers versions to. */
    public SecretConsumer consumer() {
        return consumer;
    }

    /** How many versions were handed over (the first one included when the consumer did not already use it). */
    public int handOvers() {
        return handOvers.get();
    }

    /** How many versions the consumer refused (on delivery; a version the engine's validators vetoed never came). */
    public int refused() {
        return refused.get();
    }

    /** The version the consumer uses; empty before the first delivery, and while it has accepted none. */
    public Optional<String> consumerVersion() {
        return Optional.ofNullable(consumerVersion);
    }

    /** The latest version offered to the consumer (handed over or refused); empty before the first. */
    public Optional<String> latestVersion() {
        return Optional.ofNullable(latestVersion);
    }

    /** Whether the consumer is on an older version than the latest one offered to it: a refusal left it behind. */
    public boolean behind() {
        String latest = latestVersion;
        return latest != null && !latest.equals(consumerVersion);
    }

    /** The latest hand-over (or refusal); empty before the first. */
    public Optional<HandOver> lastHandOver() {
        return Optional.ofNullable(last.get());
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Stops offering versions; the consumer keeps the one it has. Idempotent. */
    @Override
    public void close() {
        closed = true;
        Subscription w = watch;
        if (w != null) {
            w.close();
        }
        Subscription a = attached;
        if (a != null) {
            a.close();
        }
    }

    private ConsumerBinding start() {
        watch = secrets.watch(ref.toString(), this::onChange);
        attached = secrets.attach(this); // a rotation drill of the secret waits for this binding's hand-over
        if (closed) {
            watch.close();
            attached.close();
        }
        return this;
    }

    private void onChange(SecretChange change) {
        if (closed) {
            return;
        }
        long t0 = time.nanoTime();
        Secret current = change.current();
        // after a refusal the engine's previous version is not the consumer's: report the one it really has
        String previousVersion = consumerVersion;
        latestVersion = current.version();
        FlightObserver.Flight flight = null;
        try {
            if (change.previous().isEmpty() && consumer.inUse(current)) {
                took(current);
                return; // built with these values: nothing to hand over
            }
            flight = FlightObserver.startQuietly(observer, FlightObserver.Kind.HAND_OVER, ref, consumer.name());
            if (validateOnDelivery) {
                Secret had = inUse;
                consumer.validate(current, had == null || had.isWiped() ? Optional.empty() : Optional.of(had));
            }
            consumer.accept(change);
        } catch (SecretRejectedException e) {
            stop(flight, e);
            refuse(current, previousVersion, t0, e.reason());
            return;
        } catch (RuntimeException e) {
            stop(flight, e);
            // the class only: a client's message can quote what it was given
            refuse(current, previousVersion, t0, "failed: " + e.getClass().getName());
            return;
        }
        stop(flight, null);
        took(current);
        HandOver h =
                new HandOver(ref, consumer.name(), current.version(), previousVersion, time.now(), elapsed(t0), null);
        handOvers.incrementAndGet();
        report(h);
        LOG.info(
                "Rotor handed version {} of {} to {} {} in {} ms",
                h.version(),
                ref,
                consumer.kind(),
                h.target(),
                h.duration().toMillis());
    }

    private static void stop(FlightObserver.Flight flight, RuntimeException error) {
        if (flight != null) {
            flight.stop(error);
        }
    }

    private void took(Secret current) {
        inUse = current;
        consumerVersion = current.version();
    }

    private void refuse(Secret current, String previousVersion, long t0, String reason) {
        refused.incrementAndGet();
        HandOver h =
                new HandOver(ref, consumer.name(), current.version(), previousVersion, time.now(), elapsed(t0), reason);
        report(h);
        LOG.warn(
                "Rotor kept {} {} on its current credentials: version {} of {} failed validation ({})",
                consumer.kind(),
                h.target(),
                h.version(),
                ref,
                reason);
    }

    private void report(HandOver h) {
        last.set(h);
        SecretEvent.Builder ev = SecretEvent.builder(SecretEventType.HANDED_OVER, h.time())
                .ref(ref)
                .source(h.target())
                .consumer(h.target())
                .version(h.version())
                .duration(h.duration())
                .detail(consumer.kind());
        h.previousVersion().ifPresent(ev::previousVersion);
        // the reason only (a missing field, an SQLState): a driver's message may quote the user name
        h.failure()
                .ifPresent(f -> ev.failure(new SecretRejectedException(
                        consumer.displayName() + " refused version " + h.version() + " (" + f + ")", ref, h.target())));
        secrets.publish(ev.build());
        for (HandOverListener listener : listeners) {
            try {
                listener.onHandOver(h);
            } catch (RuntimeException e) {
                LOG.warn(
                        "Rotor hand-over listener {} threw {}; ignored",
                        listener.getClass().getName(),
                        e.getClass().getName());
            }
        }
    }

    private Duration elapsed(long t0) {
        return Duration.ofNanos(Math.max(0, time.nanoTime() - t0));
    }

    @Override
    public String toString() {
        return "ConsumerBinding{ref=" + ref + ", " + consumer.kind() + "=" + consumer.name() + ", version="
                + (consumerVersion == null ? "-" : consumerVersion) + ", handOvers=" + handOvers.get() + ", refused="
                + refused.get() + (closed ? ", closed" : "") + "}";
    }

    /** Options of a {@link ConsumerBinding}; {@link #bind()} starts it. Not thread-safe. */
    public static final class Builder {
        private final Secrets secrets;
        private final SecretConsumer consumer;
        private final SecretRef ref;
        private boolean validateOnDelivery = true;
        private final List<HandOverListener> listeners = new ArrayList<>();
        private TimeSource time;

        private Builder(Secrets secrets, SecretConsumer consumer, String ref) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            this.consumer = Objects.requireNonNull(consumer, "consumer");
            this.ref = SecretRef.parse(Objects.requireNonNull(ref, "ref")).withoutField();
        }

        /**
         * Whether the binding runs {@link SecretConsumer#validate} on each version before offering it (default true).
         * A version that fails keeps the consumer on its version and is reported as a refused {@link HandOver}; the
         * engine has moved on by then, and will revoke the old lease. For leased secrets register {@link
         * #validator(SecretConsumer)} on the {@link Secrets.Builder} instead, and turn this off so that each version
         * is not checked twice.
         */
        public Builder validateOnDelivery(boolean validate) {
            this.validateOnDelivery = validate;
            return this;
        }

        /** Told of every hand-over and refusal; each call adds a listener, told in the order added. */
        public Builder onHandOver(HandOverListener listener) {
            listeners.add(Objects.requireNonNull(listener, "onHandOver"));
            return this;
        }

        /** The clock for hand-over times and durations (default the client's, {@link Secrets#timeSource()}). */
        public Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "timeSource");
            return this;
        }

        /**
         * Starts following the secret: loads it if needed and offers the current version to the consumer unless it
         * already uses it.
         *
         * @throws dev.rotor.secrets.SecretException when the secret cannot be loaded
         */
        public ConsumerBinding bind() {
            return new ConsumerBinding(this).start();
        }
    }
}
