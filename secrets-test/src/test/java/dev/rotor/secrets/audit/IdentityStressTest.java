package dev.rotor.secrets.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The client's identity cache under real threads: while events are published from many threads and the source says
 * its identity changed again and again, every event carries an identity (never a torn or missing one), and once the
 * changes stop the client settles on the source's latest answer.
 */
class IdentityStressTest {
    /** A source whose identity is a generation the test bumps; it tells the client each time. */
    static final class ChangingIdentitySource implements SecretSource {
        final AtomicInteger generation = new AtomicInteger();
        final AtomicInteger asked = new AtomicInteger();
        volatile SourceContext context;

        @Override
        public String scheme() {
            return "gen";
        }

        @Override
        public void start(SourceContext context) {
            this.context = context;
        }

        @Override
        public Optional<SourceIdentity> identity() {
            asked.incrementAndGet();
            return Optional.of(
                    SourceIdentity.builder("principal-" + generation.get()).build());
        }

        @Override
        public Secret fetch(FetchRequest request) {
            return Secret.builder(request.ref())
                    .version("1")
                    .value("v")
                    .fetchedAt(Instant.EPOCH)
                    .build();
        }

        void change() {
            generation.incrementAndGet();
            context.identityChanged();
        }
    }

    @Test
    void identityChangesRacingEvents_everyEventHasAnIdentity_andTheLatestAnswerWins() throws Exception {
        ChangingIdentitySource source = new ChangingIdentitySource();
        ExecutorService engineThreads = Executors.newFixedThreadPool(4);
        ExecutorService callers = Executors.newFixedThreadPool(6);
        ConcurrentLinkedQueue<SecretEvent> seen = new ConcurrentLinkedQueue<>();
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .executor(engineThreads)
                .auditLog(false)
                .eventListener(seen::add)
                .build()) {
            secrets.get("gen:k");
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                work.add(callers.submit(() -> {
                    go.await(5, TimeUnit.SECONDS);
                    for (int i = 0; i < 500; i++) {
                        secrets.publish(SecretEvent.builder(SecretEventType.AUTH_RENEWED, Instant.EPOCH)
                                .source("gen")
                                .build());
                    }
                    return null;
                }));
            }
            for (int t = 0; t < 2; t++) {
                work.add(callers.submit(() -> {
                    go.await(5, TimeUnit.SECONDS);
                    for (int i = 0; i < 200; i++) {
                        source.change();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : work) {
                f.get(30, TimeUnit.SECONDS);
            }
            String latest = "principal-" + source.generation.get();
            source.context.identityChanged(); // one last ask after the changes stopped
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!secrets.identity("gen")
                            .flatMap(SourceIdentity::principal)
                            .orElse("")
                            .equals(latest)
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(secrets.identity("gen").flatMap(SourceIdentity::principal))
                    .contains(latest);
            assertThat(seen).hasSizeGreaterThanOrEqualTo(2001);
            for (SecretEvent e : seen) {
                assertThat(e.who()).as("%s", e).isPresent();
                assertThat(JsonAuditLogger.toJson(e)).contains("\"who\":{\"known\":");
            }
            assertThat(source.asked.get()).isGreaterThan(1);
        } finally {
            callers.shutdownNow();
            engineThreads.shutdownNow();
            assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(engineThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /**
     * A source that answers who the application is only once {@code concurrentLoads} loads have fetched (or 5 s have
     * passed), so that loads on other threads finish while the first one asks; it refuses refs under {@code deny/}
     * unasked.
     */
    static final class SlowIdentitySource implements SecretSource {
        final AtomicInteger asked = new AtomicInteger();
        final CountDownLatch fetched;

        SlowIdentitySource(int concurrentLoads) {
            this.fetched = new CountDownLatch(concurrentLoads);
        }

        @Override
        public String scheme() {
            return "slow";
        }

        @Override
        public Optional<SourceIdentity> identity() {
            asked.incrementAndGet();
            try {
                fetched.await(5, TimeUnit.SECONDS); // the other engine threads' loads are done meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Optional.of(SourceIdentity.builder("app-principal").build());
        }

        @Override
        public Secret fetch(FetchRequest request) {
            if (request.ref().path().startsWith("deny/")) {
                throw new dev.rotor.secrets.SecretAccessDeniedException(
                        "outside the allowed paths", request.ref(), "slow");
            }
            fetched.countDown();
            return Secret.builder(request.ref())
                    .version("1")
                    .value("v")
                    .fetchedAt(Instant.EPOCH)
                    .build();
        }
    }

    @Test
    void firstLoadsOnAThreadPool_everyLoadedRecordNamesTheIdentity_askedOnce_andARefusedRefAsksNothing()
            throws Exception {
        ExecutorService engineThreads = Executors.newFixedThreadPool(4);
        SlowIdentitySource source = new SlowIdentitySource(4); // one load on each engine thread
        ExecutorService callers = Executors.newFixedThreadPool(8);
        ConcurrentLinkedQueue<SecretEvent> seen = new ConcurrentLinkedQueue<>();
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .executor(engineThreads)
                .auditLog(false)
                .eventListener(seen::add)
                .build()) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> secrets.get("slow:deny/x")))
                    .isInstanceOf(dev.rotor.secrets.SecretAccessDeniedException.class);
            assertThat(source.asked.get()).isZero();

            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                String ref = "slow:app/s" + t;
                work.add(callers.submit(() -> {
                    go.await(5, TimeUnit.SECONDS);
                    return secrets.get(ref);
                }));
            }
            go.countDown();
            for (Future<?> f : work) {
                f.get(30, TimeUnit.SECONDS);
            }
            List<SecretEvent> loaded = seen.stream()
                    .filter(e -> e.type() == SecretEventType.LOADED)
                    .toList();
            assertThat(loaded).hasSize(8);
            for (SecretEvent e : loaded) {
                assertThat(e.who().flatMap(SourceIdentity::principal))
                        .as("%s", e)
                        .contains("app-principal");
            }
            assertThat(source.asked.get()).isEqualTo(1);
        } finally {
            callers.shutdownNow();
            engineThreads.shutdownNow();
            assertThat(callers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(engineThreads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
