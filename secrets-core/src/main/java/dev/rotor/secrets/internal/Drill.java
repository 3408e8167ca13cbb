package dev.rotor.secrets.internal;

import dev.rotor.secrets.DrillReport;
import dev.rotor.secrets.DrillReport.ConsumerResult;
import dev.rotor.secrets.DrillReport.Outcome;
import dev.rotor.secrets.DrillReport.SecretResult;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.SourceCapability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rotation drill: for each secret, one re-issue (leased secrets) or one rotation (sources that rotate), then a wait
 * for every consumer bound to the secret to report its hand-over of the new version. The wait is bounded twice by the
 * same timeout: once on the engine's clock (a task on its scheduler), once in real time, whichever ends first, so a
 * drill on a manual clock ends when the test moves the clock, and one on a stopped clock still ends. Secrets are
 * drilled one after another on the caller's thread.
 */
final class Drill {
    private static final Logger LOG = LoggerFactory.getLogger(Drill.class);

    private final Engine engine;
    private final Duration timeout;

    Drill(Engine engine, Duration timeout) {
        this.engine = engine;
        this.timeout = timeout;
    }

    /**
     * Drills {@code refs} one after another.
     *
     * @throws dev.rotor.secrets.InvalidSecretRefException before anything is done, when a ref does not parse
     */
    DrillReport run(Collection<String> refs) {
        List<SecretRef> parsed = new ArrayList<>();
        for (String text : refs) {
            parsed.add(SecretRef.parse(text).withoutField());
        }
        long t0 = engine.time.nanoTime();
        engine.publish(SecretEvent.builder(SecretEventType.DRILL_STARTED, engine.time.now())
                .detail(parsed.size() + " secret" + (parsed.size() == 1 ? "" : "s") + ", timeout " + timeout)
                .build());
        List<SecretResult> results = new ArrayList<>();
        for (SecretRef ref : parsed) {
            SecretResult r = drillOne(ref);
            results.add(r);
            report(r);
        }
        return DrillReport.of(results, elapsed(t0));
    }

    private SecretResult drillOne(SecretRef ref) {
        long t0 = engine.time.nanoTime();
        Entry e;
        Secret before;
        try {
            e = engine.entryFor(ref);
            before = e.read();
        } catch (SecretException ex) {
            return failed(ref, ex.source().orElse(null), null, reasonOf(ex), null, null, t0, List.of());
        }
        String source = e.gate.name();
        String action;
        if (before.lease().isPresent()) {
            action = "reissue";
        } else if (e.gate.supports(SourceCapability.ROTATE)) {
            action = "rotate";
        } else {
            return SecretResult.of(
                    ref,
                    source,
                    Outcome.NOT_SUPPORTED,
                    null,
                    "the secret has no lease and its source cannot rotate it: rotate it in the store, Rotor picks the"
                            + " new version up at its next poll",
                    before.version(),
                    before.version(),
                    elapsed(t0),
                    List.of());
        }
        List<ConsumerBinding> bindings = engine.consumersOf(ref);
        CompletableFuture<Boolean> handedOver = new CompletableFuture<>();
        AtomicReference<Secret> after = new AtomicReference<>();
        SecretEventListener watch = ev -> {
            if (ev.type() == SecretEventType.HANDED_OVER
                    && ev.ref().filter(ref::equals).isPresent()
                    && after.get() != null
                    && allReported(bindings, after.get().version())) {
                handedOver.complete(true);
            }
        };
        engine.addEventListener(watch);
        try {
            try {
                if (action.equals("rotate")) {
                    e.rotateOnNextFetch();
                }
                Secret fresh = e.await(e.startFlight(FetchReason.REISSUE));
                after.set(fresh);
            } catch (SecretException ex) {
                return failed(ref, source, action, reasonOf(ex), before.version(), null, t0, List.of());
            } finally {
                e.withdrawRotation();
            }
            String version = after.get().version();
            if (version.equals(before.version())) {
                return failed(
                        ref,
                        source,
                        action,
                        "the " + action + " brought no new version (the store may rotate later)",
                        before.version(),
                        version,
                        t0,
                        List.of());
            }
            if (!allReported(bindings, version)) {
                waitForHandOvers(handedOver, bindings, version);
            }
            List<ConsumerResult> consumers = new ArrayList<>();
            boolean allOk = true;
            for (ConsumerBinding b : bindings) {
                ConsumerResult c = resultOf(b, version);
                allOk &= c.succeeded();
                consumers.add(c);
            }
            if (!allOk) {
                return failed(
                        ref,
                        source,
                        action,
                        "not every consumer took version " + version,
                        before.version(),
                        version,
                        t0,
                        consumers);
            }
            return SecretResult.of(
                    ref, source, Outcome.SUCCEEDED, action, null, before.version(), version, elapsed(t0), consumers);
        } finally {
            engine.removeEventListener(watch);
        }
    }

    /** Waits until every binding reported {@code version}, or the timeout ends on the engine's clock or in real time. */
    private void waitForHandOvers(
            CompletableFuture<Boolean> handedOver, List<ConsumerBinding> bindings, String version) {
        Scheduler.Cancellable onClock = engine.scheduler.schedule(() -> handedOver.complete(false), timeout);
        // a report between the check before the wait and the listener's registration is caught here
        if (allReported(bindings, version)) {
            handedOver.complete(true);
        }
        try {
            handedOver.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException ex) {
            // reported per consumer below
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            onClock.cancel();
        }
    }

    private static boolean allReported(List<ConsumerBinding> bindings, String version) {
        for (ConsumerBinding b : bindings) {
            if (!b.isClosed() && !reported(b, version)) {
                return false;
            }
        }
        return true;
    }

    private static boolean reported(ConsumerBinding b, String version) {
        Optional<HandOver> last = b.lastHandOver();
        return (last.isPresent() && last.get().version().equals(version))
                || b.consumerVersion().filter(version::equals).isPresent();
    }

    private ConsumerResult resultOf(ConsumerBinding b, String version) {
        String name = b.consumer().name();
        String kind = b.consumer().kind();
        Optional<HandOver> last = b.lastHandOver().filter(h -> h.version().equals(version));
        if (last.isPresent()) {
            HandOver h = last.get();
            return ConsumerResult.of(
                    name,
                    kind,
                    h.succeeded(),
                    h.failure().map(f -> "refused: " + f).orElse(null),
                    h.duration());
        }
        if (b.consumerVersion().filter(version::equals).isPresent()) {
            return ConsumerResult.of(name, kind, true, null, Duration.ZERO);
        }
        if (b.isClosed()) {
            return ConsumerResult.of(name, kind, false, "binding closed during the drill", null);
        }
        return ConsumerResult.of(
                name, kind, false, "did not report the hand-over of version " + version + " within " + timeout, null);
    }

    private SecretResult failed(
            SecretRef ref,
            String source,
            String action,
            String reason,
            String previous,
            String version,
            long t0,
            List<ConsumerResult> consumers) {
        return SecretResult.of(ref, source, Outcome.FAILED, action, reason, previous, version, elapsed(t0), consumers);
    }

    /** Rotor's own message names ref and source and never a value; the class name is the rest. */
    private static String reasonOf(SecretException ex) {
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    private void report(SecretResult r) {
        long ok = r.consumers().stream().filter(ConsumerResult::succeeded).count();
        SecretEvent.Builder ev = SecretEvent.builder(SecretEventType.DRILL_RESULT, engine.time.now())
                .ref(r.ref())
                .source(r.source().orElse(null))
                .duration(r.duration())
                .detail(r.outcome() + (r.action().map(a -> " " + a).orElse("")) + ", " + ok + " of "
                        + r.consumers().size() + " consumers took the new version");
        r.version().ifPresent(ev::version);
        r.previousVersion().ifPresent(ev::previousVersion);
        if (r.outcome() == Outcome.FAILED) {
            ev.failure(new SecretException(
                    "drill failed: " + r.reason().orElse("unknown"),
                    r.ref(),
                    r.source().orElse(null),
                    false));
        }
        engine.publish(ev.build());
        if (r.outcome() == Outcome.FAILED) {
            LOG.warn(
                    "Rotor rotation drill of {} failed: {}", r.ref(), r.reason().orElse("unknown"));
        } else {
            LOG.info("Rotor rotation drill of {}: {}", r.ref(), r.outcome());
        }
    }

    private Duration elapsed(long t0) {
        return Duration.ofNanos(Math.max(0, engine.time.nanoTime() - t0));
    }
}
