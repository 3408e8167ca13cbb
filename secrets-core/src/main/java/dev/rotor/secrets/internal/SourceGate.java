package dev.rotor.secrets.internal;

import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceThrottledException;
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
 * blocks), the source's request budget and the pause a store's throttling asks for, a circuit breaker on Rotor's
 * clock, and the mapping of any failure to Rotor's exceptions.
 *
 * <p>The budget is a token bucket on the client's clock: {@code requestsPerSecond} tokens a second, up to one second's
 * worth saved. Every call spends one. A call that may wait ({@link Priority#mayWait()}) waits, in priority order,
 * while no token is left or while the store's throttling pause lasts; a lease about to end, a first load and a
 * revocation at close never wait (a live credential, a caller, a shutdown depend on them), and may run the bucket into
 * debt, which the calls that can wait then pay off. A waiting renewal becomes urgent, and stops waiting, once its
 * lease is about to end.
 *
 * <p>A store that throttles teaches the bucket a rate of its own ({@code learnFromThrottling}, on by default), below
 * the configured one: at a throttled answer the
 * rate becomes {@value #CUT} of what the source was asked for over the last two poll intervals (or of the rate learned
 * before), at most once per second or per {@code Retry-After}; it then grows back linearly, doubling in {@link
 * #RAMP_NANOS 5 min}, and is forgotten after 30 min without throttling. So a fleet whose quota is below its demand asks
 * for about what the store can answer, its polls giving way, instead of retrying into the quota.
 */
final class SourceGate {
    /** What a throttled answer leaves of the rate the source was asked for. */
    static final double CUT = 0.7;
    /** A learned rate doubles in this long without throttling. */
    static final long RAMP_NANOS = Duration.ofMinutes(5).toNanos();
    /** A learned rate is forgotten after this long without throttling. */
    static final long FORGET_NANOS = Duration.ofMinutes(30).toNanos();
    /** The lowest learned rate: one call in ten minutes (a lease about to end or a first load never waits for it). */
    static final double MIN_LEARNED = 1.0 / 600;

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
    private final Scheduler scheduler;
    // when an open breaker lets a trial call through, on the client's clock (null unless open)
    private volatile Instant trialAt;
    // the default breaker's next open-state wait, drawn anew each time it opens (null for a breaker of the user's)
    private final AtomicLong nextOpenWaitMillis;

    // the budget, guarded by this: tokens saved (negative: debt), when they were last counted, on the monotonic clock
    private final double perSecond;
    private double tokens;
    private long countedAtNanos;
    // the rate learned from throttling (infinite: none), guarded by this: the rate set at the last cut, and when
    private double learnedAtCut = Double.POSITIVE_INFINITY;
    private long cutAtNanos;
    private long cutSpacingNanos;
    // calls made to the source in the current and the previous window of one poll interval, guarded by this
    private final long windowNanos;
    private long windowStartNanos;
    private int callsThisWindow;
    private int callsLastWindow;
    // the store's throttling pause: calls that may wait start after it (monotonic clock); guarded by this
    private long pausedUntilNanos;
    private boolean paused;
    // a dispatch is scheduled for when the budget or the pause allows the next waiting call; guarded by this
    private Scheduler.Cancellable wake;
    // set at close: nothing waits for the budget any more
    private volatile boolean lifted;

    /** Told when a trial call closed the breaker: the store is back. Runs on the trial call's thread. */
    private volatile Runnable onRecovered;

    /**
     * @param config the circuit breaker's configuration; null for the {@link #defaultBreakerConfig default}, whose
     *     open-state wait is drawn at random each time it opens
     */
    /**
     * The engine whose entries this gate serves, set once before the gate is published (the entries reach it here, so
     * that each of thousands of entries holds one reference fewer); null in a gate tested on its own.
     */
    Engine engine;

    SourceGate(
            SecretSource source,
            Executor executor,
            RefreshRules rules,
            CircuitBreakerConfig config,
            TimeSource time,
            Scheduler scheduler,
            Consumer<SecretEvent> events) {
        this.source = source;
        this.name = source.name();
        this.executor = executor;
        this.rules = rules;
        this.permits = new Semaphore(rules.policy.maxInFlightPerSource());
        this.time = time;
        this.scheduler = scheduler;
        this.perSecond = rules.policy.requestsPerSecond();
        this.tokens = Double.isInfinite(perSecond) ? 0 : Math.max(1, perSecond);
        this.countedAtNanos = time.nanoTime();
        this.windowNanos = Math.max(
                Duration.ofSeconds(10).toNanos(), rules.policy.pollInterval().toNanos());
        this.windowStartNanos = countedAtNanos;
        CircuitBreakerConfig base;
        if (config == null) {
            Duration open = defaultOpenWait(rules.policy);
            nextOpenWaitMillis = new AtomicLong(drawOpenWait(open));
            base = CircuitBreakerConfig.from(defaultBreakerConfig(rules.policy))
                    .waitIntervalFunctionInOpenState(attempt -> nextOpenWaitMillis.get())
                    .build();
        } else {
            nextOpenWaitMillis = null;
            base = config;
        }
        this.breaker = CircuitBreaker.of(
                "rotor-" + name,
                CircuitBreakerConfig.from(base)
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
                if (nextOpenWaitMillis != null) {
                    // the breaker has taken this wait: the next opening draws its own
                    nextOpenWaitMillis.set(drawOpenWait(defaultOpenWait(rules.policy)));
                }
            } else {
                trialAt = null;
            }
            if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
                type = SecretEventType.CIRCUIT_OPENED;
            } else if (to == CircuitBreaker.State.CLOSED) {
                type = SecretEventType.CIRCUIT_CLOSED;
                if (e.getStateTransition().getFromState() == CircuitBreaker.State.HALF_OPEN) {
                    Runnable r = onRecovered;
                    if (r != null) {
                        r.run();
                    }
                }
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
        Duration open = defaultOpenWait(policy);
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

    /** The longest the default breaker stays open: 5 s, or the policy's maximum backoff (expired or not) if shorter. */
    static Duration defaultOpenWait(dev.rotor.secrets.RefreshPolicy policy) {
        Duration open = Duration.ofSeconds(5);
        if (policy.maxBackoff().compareTo(open) < 0) {
            open = policy.maxBackoff();
        }
        if (policy.expiredMaxBackoff().compareTo(open) < 0) {
            open = policy.expiredMaxBackoff();
        }
        return open;
    }

    /**
     * One open-state wait of the default breaker: between three quarters of {@code open} and all of it, at random.
     * Clients that saw one outage together open their breakers together; a fixed wait would send their trial calls to
     * the store in one burst when it comes back. (Never longer than {@code open}, which is at most one backoff step:
     * an open breaker must not delay recovery; not much shorter, or the outage would see more trial calls.)
     */
    private long drawOpenWait(Duration open) {
        long millis = Math.max(1, open.toMillis());
        return millis - rules.jitter(Duration.ofMillis(millis / 4)).toMillis();
    }

    /**
     * Only failures of the source itself open the circuit; a missing secret, a denied access or a store asking the
     * client to slow down (throttling: the store is up, the client is over its quota) does not.
     */
    static boolean countsAsSourceFailure(Throwable t) {
        if (t instanceof SourceThrottledException) {
            return false;
        }
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
     * How urgent a call is, when calls wait for a permit or for the budget: a credential in use whose lease is about
     * to end (or has ended, or was reported compromised) goes first, then renewals (a lease in use, not yet urgent:
     * a crowd of first loads must not push it towards its end), first loads (a caller waits for them), rotations (a
     * new version known or asked for), polls of static secrets, and revocations (nothing waits for them). Within one
     * priority, calls start in the order they joined the line (a retry keeps its look's first place), then of
     * submission.
     */
    enum Priority {
        LEASE,
        RENEWAL,
        FIRST_LOAD,
        ROTATION,
        POLL,
        REVOKE;

        /** Whether a call of this priority waits for the budget and the store's throttling pause. */
        boolean mayWait() {
            return this != LEASE && this != FIRST_LOAD;
        }
    }

    /** Tells {@code r} when a trial call closes the breaker after an outage; run on the trial call's thread. */
    void onRecovered(Runnable r) {
        onRecovered = r;
    }

    /** Runs {@code task} on the executor once a call permit is free, the most urgent waiting task first. */
    void submit(Priority priority, Runnable task) {
        submit(priority, task, null, Long.MAX_VALUE);
    }

    /**
     * Runs {@code task} once a call permit is free and, if the priority may wait, the budget allows it. {@code owner}
     * (may be null) is told while the task waits for the budget; from {@code urgentAtNanos} on (monotonic clock;
     * {@link Long#MAX_VALUE} for never) the task no longer waits for it.
     */
    void submit(Priority priority, Runnable task, Entry owner, long urgentAtNanos) {
        submit(priority, task, owner, urgentAtNanos, time.nanoTime());
    }

    /**
     * As {@link #submit(Priority, Runnable, Entry, long)}, queued within its priority as if submitted at {@code
     * inLineSinceNanos} (monotonic clock): a retry keeps the place its look first had.
     */
    void submit(Priority priority, Runnable task, Entry owner, long urgentAtNanos, long inLineSinceNanos) {
        waiting.add(new Waiting(priority, inLineSinceNanos, submitted.incrementAndGet(), task, owner, urgentAtNanos));
        dispatch();
    }

    /** A revocation at close: never waits for the budget. */
    void submitAtClose(Runnable task) {
        submit(Priority.REVOKE, task, null, Long.MIN_VALUE);
    }

    /** How many tasks wait for a permit or the budget. */
    int waiting() {
        return waiting.size();
    }

    /** From now on nothing waits for the budget or a pause (the client is closing). */
    void lift() {
        lifted = true;
        dispatch();
    }

    /**
     * The store asked the client to slow down for {@code pause}: calls that may wait start after it. A longer pause
     * already in force stays.
     */
    void pause(Duration pause) {
        if (pause == null || pause.isZero() || pause.isNegative()) {
            return;
        }
        synchronized (this) {
            long until = time.nanoTime() + SystemScheduler.saturatedNanos(pause);
            if (!paused || until - pausedUntilNanos > 0) {
                pausedUntilNanos = until;
                paused = true;
            }
        }
    }

    private static final class Waiting implements Comparable<Waiting> {
        final Priority priority;
        final long sinceNanos;
        final long seq;
        final Runnable task;
        final Entry owner;
        final long urgentAtNanos;

        Waiting(Priority priority, long sinceNanos, long seq, Runnable task, Entry owner, long urgentAtNanos) {
            this.priority = priority;
            this.sinceNanos = sinceNanos;
            this.seq = seq;
            this.task = task;
            this.owner = owner;
            this.urgentAtNanos = urgentAtNanos;
        }

        @Override
        public int compareTo(Waiting o) {
            int c = priority.compareTo(o.priority);
            if (c != 0) {
                return c;
            }
            c = Long.compare(sinceNanos - o.sinceNanos, 0); // monotonic readings: compare by difference
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private void dispatch() {
        for (; ; ) {
            Waiting w;
            synchronized (this) {
                if (waiting.isEmpty() || !permits.tryAcquire()) {
                    return;
                }
                w = next();
                if (w == null) {
                    permits.release();
                    return;
                }
            }
            if (w.owner != null) {
                w.owner.waitingForBudget = false;
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

    /**
     * The next task to start, taken from the queue, its call paid for; null when every waiting task must wait for the
     * budget or the pause (a dispatch is then scheduled for when one may start). Guarded by this.
     */
    private Waiting next() {
        long now = time.nanoTime();
        double rate = rateLocked(now);
        boolean unlimited = Double.isInfinite(rate);
        if (lifted || (unlimited && !paused)) {
            return waiting.poll();
        }
        if (paused && now - pausedUntilNanos >= 0) {
            paused = false;
        }
        if (!unlimited) {
            tokens = Math.min(Math.max(1, rate), tokens + (now - countedAtNanos) / 1e9 * rate);
            countedAtNanos = now;
        }
        Waiting head = waiting.peek();
        boolean free = !paused && (unlimited || tokens >= 1);
        if (!head.priority.mayWait() || head.urgentAtNanos - now <= 0 || free) {
            return take(head);
        }
        // Short of budget: a call that never waits (queued behind the head) or a renewal whose lease is now about to
        // end goes anyway, the most urgent first; the rest wait.
        long wakeAt = paused ? pausedUntilNanos : now + (long) Math.ceil((1 - tokens) / rate * 1e9);
        Waiting go = null;
        for (Waiting x : waiting) {
            if ((!x.priority.mayWait() || x.urgentAtNanos - now <= 0) && (go == null || x.compareTo(go) < 0)) {
                go = x;
            }
        }
        if (go != null) {
            return take(go);
        }
        for (Waiting x : waiting) {
            if (x.urgentAtNanos - wakeAt < 0) {
                wakeAt = x.urgentAtNanos;
            }
            if (x.owner != null && x.priority.mayWait()) {
                x.owner.waitingForBudget = true;
            }
        }
        scheduleWake(Math.max(1, wakeAt - now));
        return null;
    }

    /** Guarded by this. */
    private Waiting take(Waiting w) {
        if (w == waiting.peek()) {
            waiting.poll();
        } else {
            waiting.remove(w);
        }
        spendOne();
        return w;
    }

    /** One call spent from the bucket, when a budget (configured or learned from throttling) is in force. */
    private void spendOne() {
        if (!Double.isInfinite(perSecond) || !Double.isInfinite(learnedAtCut)) {
            tokens -= 1;
        }
    }

    /**
     * Spends one more call of the budget for a task already started that makes a second call (a probe that saw a new
     * version, then its fetch): the budget counts calls, not tasks. It may run the budget into debt, which the calls
     * after it wait out.
     */
    synchronized void charge() {
        spendOne();
    }

    /** Guarded by this. */
    private void scheduleWake(long inNanos) {
        if (wake != null) {
            wake.cancel();
        }
        wake = scheduler.schedule(this::dispatch, Duration.ofNanos(inNanos));
    }

    /**
     * The rate the bucket fills at: the configured budget, or the rate learned from throttling if that is lower (it
     * grows back linearly from the last cut and is forgotten {@link #FORGET_NANOS} after it). Guarded by this.
     */
    private double rateLocked(long now) {
        if (Double.isInfinite(learnedAtCut)) {
            return perSecond;
        }
        long since = now - cutAtNanos;
        if (since >= FORGET_NANOS) {
            learnedAtCut = Double.POSITIVE_INFINITY;
            return perSecond;
        }
        double learned = learnedAtCut * (1 + (double) since / RAMP_NANOS);
        return Math.min(perSecond, learned);
    }

    /** The rate the source was asked for over the current and the previous window. Guarded by this. */
    private double askedRateLocked(long now) {
        rollWindowLocked(now);
        double seconds = (windowNanos + (now - windowStartNanos)) / 1e9;
        return (callsLastWindow + callsThisWindow) / seconds;
    }

    private void rollWindowLocked(long now) {
        long elapsed = now - windowStartNanos;
        if (elapsed >= windowNanos) {
            callsLastWindow = elapsed >= 2 * windowNanos ? 0 : callsThisWindow;
            callsThisWindow = 0;
            windowStartNanos = now - elapsed % windowNanos;
        }
    }

    /**
     * The store throttled a call ({@code asked}: its Retry-After, may be null): the bucket's rate is cut to {@link
     * #CUT} of what the source was asked for (or of the rate learned before, if lower), at most once per second or
     * per {@code asked}, and calls that may wait start after {@code asked}.
     */
    void throttled(Duration asked) {
        synchronized (this) {
            long now = time.nanoTime();
            boolean learning = !Double.isInfinite(learnedAtCut);
            if (rules.policy.learnFromThrottling() && (!learning || now - cutAtNanos >= cutSpacingNanos)) {
                double current = rateLocked(now);
                double askedRate = askedRateLocked(now);
                double base = Math.min(current, askedRate);
                // nothing saved survives a throttled answer: the next call that may wait waits for the new rate
                tokens = Math.min(tokens, 0);
                countedAtNanos = now;
                learnedAtCut = Math.max(MIN_LEARNED, CUT * base);
                cutAtNanos = now;
                long spacing = Duration.ofSeconds(1).toNanos();
                if (asked != null && !asked.isNegative()) {
                    spacing = Math.max(spacing, SystemScheduler.saturatedNanos(asked));
                }
                cutSpacingNanos = spacing;
            }
        }
        pause(asked);
    }

    /** The rate learned from throttling, in calls per second; infinite when none is (for tests). */
    synchronized double learnedRate() {
        double r = rateLocked(time.nanoTime());
        return Double.isInfinite(learnedAtCut) ? Double.POSITIVE_INFINITY : r;
    }

    /** Calls the source through the circuit breaker; every failure comes out as a {@link SecretException}. */
    <T> T call(SecretRef ref, Callable<T> call) {
        synchronized (this) {
            rollWindowLocked(time.nanoTime());
            callsThisWindow++;
        }
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
