package dev.rotor.secrets.internal;

import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Everything between the engine and one source: a bound on calls in flight (tasks wait in a queue, no thread
 * blocks), a circuit breaker on Rotor's clock, and the mapping of any failure to Rotor's exceptions.
 */
final class SourceGate {
    private final SecretSource source;
    private final String name;
    private final Executor executor;
    private final Semaphore permits;
    /** The timing rules of this source's policy. */
    final RefreshRules rules;

    private final PriorityBlockingQueue<Waiting> waiting = new PriorityBlockingQueue<>();
    private final AtomicLong submitted = new AtomicLong();
    private final CircuitBreaker breaker;
    private final TimeSource time;
    // when an open breaker lets a trial call through, on the client's clock (null unless open)
    private volatile Instant trialAt;

    SourceGate(
            SecretSource source,
            Executor executor,
            RefreshRules rules,
            CircuitBreakerConfig config,
            TimeSource time,
            Consumer<SecretEvent> events) {
        this.source = source;
        this.name = source.name();
        this.executor = executor;
        this.rules = rules;
        this.permits = new Semaphore(rules.policy.maxInFlightPerSource());
        this.time = time;
        this.breaker = CircuitBreaker.of(
                "rotor-" + name,
                CircuitBreakerConfig.from(config)
                        .recordException(SourceGate::countsAsSourceFailure)
                        .clock(new TimeSourceClock(time))
                        .build());
        breaker.getEventPublisher().onStateTransition(e -> {
            CircuitBreaker.State to = e.getStateTransition().getToState();
            SecretEventType type = null;
            if (to == CircuitBreaker.State.OPEN) {
                long waitMillis = breaker.getCircuitBreakerConfig()
                        .getWaitIntervalFunctionInOpenState()
                        .apply(1);
                trialAt = time.now().plusMillis(waitMillis);
            } else {
                trialAt = null;
            }
            if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
                type = SecretEventType.CIRCUIT_OPENED;
            } else if (to == CircuitBreaker.State.CLOSED) {
                type = SecretEventType.CIRCUIT_CLOSED;
            }
            if (type != null) {
                events.accept(SecretEvent.builder(type, time.now())
                        .source(name)
                        .detail(e.getStateTransition().toString())
                        .build());
            }
        });
    }

    /**
     * The default breaker: opens when half of the last 10 calls (at least 5) failed, stays open for 5 s, or for the
     * policy's maximum backoff or its maximum backoff for expired secrets if either is shorter (an open breaker must
     * not delay recovery past one backoff step: a secret past its lease retries every {@code expiredMaxBackoff}),
     * then lets one trial call through. The breaker makes no calls of its own: while it is open, the store sees only
     * the trial calls of retries that fall due.
     */
    static CircuitBreakerConfig defaultBreakerConfig(dev.rotor.secrets.RefreshPolicy policy) {
        Duration open = Duration.ofSeconds(5);
        if (policy.maxBackoff().compareTo(open) < 0) {
            open = policy.maxBackoff();
        }
        if (policy.expiredMaxBackoff().compareTo(open) < 0) {
            open = policy.expiredMaxBackoff();
        }
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(open)
                .permittedNumberOfCallsInHalfOpenState(1)
                .recordException(SourceGate::countsAsSourceFailure)
                .build();
    }

    /** Only failures of the source itself open the circuit; a missing secret or a denied access does not. */
    static boolean countsAsSourceFailure(Throwable t) {
        return !(t instanceof SecretException) || ((SecretException) t).isRetryable();
    }

    SecretSource source() {
        return source;
    }

    /**
     * How long until the open circuit breaker lets a trial call through; zero when it is not open. A retry due
     * before then would be refused without reaching the source, and would then wait a whole backoff step more.
     */
    Duration untilTrial() {
        Instant at = trialAt;
        if (at == null) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(time.now(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }

    String name() {
        return name;
    }

    boolean supports(SourceCapability capability) {
        return source.capabilities().contains(capability);
    }

    /**
     * How urgent a call is, when calls wait for a permit: a credential in use whose lease is running out goes before a
     * first load (a caller waits for that, but nothing breaks yet), which goes before a poll of a static secret, which
     * goes before a revocation (nothing waits for it). Within one priority, calls start in submission order.
     */
    enum Priority {
        LEASE,
        FIRST_LOAD,
        POLL,
        REVOKE
    }

    /** Runs {@code task} on the executor once a call permit is free, the most urgent waiting task first. */
    void submit(Priority priority, Runnable task) {
        waiting.add(new Waiting(priority, submitted.incrementAndGet(), task));
        dispatch();
    }

    /** How many tasks wait for a permit. */
    int waiting() {
        return waiting.size();
    }

    private static final class Waiting implements Comparable<Waiting> {
        final Priority priority;
        final long seq;
        final Runnable task;

        Waiting(Priority priority, long seq, Runnable task) {
            this.priority = priority;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Waiting o) {
            int c = priority.compareTo(o.priority);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private void dispatch() {
        while (!waiting.isEmpty() && permits.tryAcquire()) {
            Waiting w = waiting.poll();
            if (w == null) {
                permits.release();
                continue;
            }
            Runnable next = w.task;
            Runnable run = () -> {
                try {
                    next.run();
                } finally {
                    permits.release();
                    dispatch();
                }
            };
            try {
                executor.execute(run);
            } catch (RejectedExecutionException e) {
                run.run();
            }
        }
    }

    /** Calls the source through the circuit breaker; every failure comes out as a {@link SecretException}. */
    <T> T call(SecretRef ref, Callable<T> call) {
        try {
            // Map inside the breaker too: it logs what it records, and a foreign message may quote the source.
            return breaker.executeCallable(() -> {
                try {
                    return call.call();
                } catch (Throwable t) {
                    throw map(ref, t);
                }
            });
        } catch (Throwable t) {
            throw map(ref, t);
        }
    }

    SecretException map(SecretRef ref, Throwable t) {
        if (t instanceof SecretException) {
            SecretException e = (SecretException) t;
            if (hasSuppressed(e)) {
                // A source attached foreign exceptions with addSuppressed: they cannot be removed, so replace it.
                return new SecretException(
                        e.getClass().getSimpleName() + " from the source (details withheld)",
                        e.ref().orElse(ref),
                        name,
                        e.isRetryable());
            }
            return e;
        }
        if (t instanceof CallNotPermittedException) {
            return new SourceUnavailableException("circuit breaker open; not calling the source", ref, name);
        }
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
            return new SourceUnavailableException("interrupted while calling the source", ref, name);
        }
        // A foreign exception's message may quote what the source said: keep only its class (the constructor
        // replaces the cause with a message-less stand-in).
        return new SourceUnavailableException(
                "source failed with " + t.getClass().getName(), ref, name, t);
    }

    private static boolean hasSuppressed(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getSuppressed().length > 0) {
                return true;
            }
        }
        return false;
    }

    /** Lets Resilience4j count its open-state wait on Rotor's clock. */
    private static final class TimeSourceClock extends Clock {
        private final TimeSource time;

        TimeSourceClock(TimeSource time) {
            this.time = time;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return time.now();
        }
    }
}
