package dev.rotor.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * No secret value escapes. Distinctive values are planted in a source; every failure path of the engine is driven on
 * a manual clock; everything Rotor lets out is captured (by the test kit's {@code LeakCheck}): every log line of every logger down to TRACE (message,
 * arguments, stack traces with causes and suppressed exceptions), standard output and error, every event (its
 * {@code toString} and its audit JSON), every exception a caller sees (message, {@code toString}, printed stack
 * trace), the {@code toString} of every value type, and the inventory. None of the planted values may appear.
 *
 * <p>Each test drives one group of paths and proves that it took them (by the events and exceptions it expects);
 * the scan runs after each test, once its clients are closed.
 */
class LeakTest {
    /** Every planted value holds this marker, and nothing else in these tests does. */
    private static final String MARKER = "PLANTED";

    private static final String DB_USER = "PLANTED-db-user-51c0e";
    private static final String DB_PASS = "PLANTED-db-pass-7f3a9";
    private static final String API_KEY = "PLANTED-api-key-e2b44";
    private static final String PORT = "PLANTED-port-90d1";
    private static final String DYN_USER = "PLANTED-dyn-user-";
    private static final String DYN_PASS = "PLANTED-dyn-pass-";

    private final List<Fx> clients = new ArrayList<>();
    private LeakCheck leaks;

    // ---- capture ----

    @BeforeEach
    void captureEverything() {
        leaks = LeakCheck.builder()
                .plant(DB_USER, DB_PASS, API_KEY, PORT, DYN_USER, DYN_PASS, MARKER)
                .start();
    }

    @AfterEach
    void closeAndScan() {
        try {
            for (Fx f : clients) {
                f.close();
            }
        } finally {
            leaks.close();
        }
    }

    private void keep(Object o) {
        leaks.check(o);
    }

    /** Runs a call that must fail, captures what it throws and answers it for more assertions. */
    private Throwable failure(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            keep(t);
            return t;
        }
        throw new AssertionError("expected the call to fail");
    }

    /** Captures the inventory; the events reach the leak check as they are published. */
    private void keepState(Fx f) {
        if (!f.closed) {
            List<InventoryEntry> inventory = f.secrets.inventory();
            keep(inventory);
            for (InventoryEntry entry : inventory) {
                keep(entry.lastError());
                keep(entry.version());
            }
        }
    }

    /** Captures a secret's printable surface: its toString, its lease, its metadata. Never its values. */
    private Secret kept(Secret s) {
        leaks.check(s, s.lease(), s.version(), s.ref(), s.fieldNames(), s.attributes(), s.stages());
        return s;
    }

    // ---- clients ----

    /** A client on its own manual clock and direct executor, over a source holding the planted values. */
    private final class Fx implements AutoCloseable {
        final ManualScheduler scheduler = new ManualScheduler();
        final InMemorySource source = new InMemorySource("mem", scheduler.clock());
        final RecordingListener events = new RecordingListener();
        final Secrets secrets;
        boolean closed;

        Fx(Consumer<Secrets.Builder> options) {
            source.putFields("app/db", orderedFields("username", DB_USER, "password", DB_PASS));
            source.put("app/api-key", API_KEY);
            source.put("app/json", "{\"host\":\"db.internal\",\"port\":\"" + PORT + "\"}");
            source.putFields("app/typed", Map.of("port", PORT));
            source.dynamic("db/creds", LeakTest::dynamicCredentials, Duration.ofHours(1), Duration.ofHours(10), true);
            source.dynamic("db/short", LeakTest::dynamicCredentials, Duration.ofHours(1), Duration.ofHours(1), false);
            source.dynamic(
                    "db/capped", LeakTest::dynamicCredentials, Duration.ofHours(1), Duration.ofMinutes(90), true);
            source.parameters(Set.of("stage"));
            Secrets.Builder b = Secrets.builder()
                    .source(source)
                    .discoverSources(false)
                    .scheduler(scheduler)
                    .executor(ManualScheduler.directExecutor())
                    .random(new Random(7))
                    .eventListener(events)
                    .eventListener(leaks)
                    .refreshPolicy(RefreshPolicy.builder()
                            .pollInterval(Duration.ofMinutes(5))
                            .wipeDelay(Duration.ofSeconds(30))
                            .build())
                    .circuitBreaker(CircuitBreakerConfig.custom()
                            .slidingWindowSize(1000)
                            .minimumNumberOfCalls(1000)
                            .build());
            options.accept(b);
            secrets = b.build();
            clients.add(this);
        }

        void advance(Duration d) {
            scheduler.advance(d);
        }

        List<SecretEventType> types() {
            return events.types();
        }

        @Override
        public void close() {
            if (!closed) {
                keepState(this);
                secrets.close();
                closed = true;
                keepState(this);
            }
        }
    }

    private Fx client() {
        return new Fx(b -> {});
    }

    private static Map<String, String> dynamicCredentials(int n) {
        return orderedFields("username", DYN_USER + n, "password", DYN_PASS + n);
    }

    private static Map<String, String> orderedFields(String k1, String v1, String k2, String v2) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    /** A foreign exception that carries secrets in its message, its cause chain and a suppressed exception. */
    private static RuntimeException foreign(String value) {
        RuntimeException e = new IllegalStateException(
                "backend answered {\"password\":\"" + value + "\"}",
                new UncheckedIOException("body " + value, new IOException("raw " + value)));
        e.addSuppressed(new IllegalArgumentException("also " + value));
        return e;
    }

    /** An exception whose every printable surface is a secret. */
    static final class TalkativeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TalkativeException() {
            super(DB_PASS);
        }

        @Override
        public String getMessage() {
            return "message " + DB_PASS;
        }

        @Override
        public String toString() {
            return "toString " + API_KEY;
        }
    }

    /** A type the planted content does not map onto. */
    public static final class Endpoint {
        public String host;
        public int port;
    }

    /** A type whose constructor quotes what it was given when it refuses it. */
    public static final class StrictEndpoint {
        @JsonCreator
        public StrictEndpoint(@JsonProperty("port") String port) {
            throw new IllegalArgumentException("not a port: " + port);
        }
    }

    // ---- the harness itself ----

    @Test
    void harness_findsAPlantedValueInEveryChannel() {
        org.slf4j.Logger log = LoggerFactory.getLogger("dev.rotor.secrets.internal.Canary");
        log.trace("trace {}", DB_PASS);
        log.warn("cause follows", new IllegalStateException("outer", new IOException(API_KEY)));
        System.err.println("printed " + DB_USER);
        Throwable t = failure(() -> {
            RuntimeException e = new RuntimeException("outer");
            e.addSuppressed(new RuntimeException(PORT));
            throw e;
        });

        List<LeakCheck.Finding> found = leaks.findings();

        assertThat(t).hasMessage("outer");
        assertThat(found).flatExtracting(LeakCheck.Finding::plantedIndexes).contains(0, 1, 2, 3);
        assertThat(found)
                .extracting(LeakCheck.Finding::channel)
                .contains("log TRACE dev.rotor.secrets.internal.Canary", "log WARN dev.rotor.secrets.internal.Canary")
                .contains("standard error")
                .anySatisfy(c -> assertThat(c).contains("suppressed"));
        assertThat(found.toString()).doesNotContain(DB_PASS, API_KEY, DB_USER, PORT);
        // Reset: the scan after this test must see nothing.
        leaks.clear();
    }

    // ---- failure paths ----

    @Test
    void coldReadFailures_notFoundDeniedUnavailableAndBadFormat() {
        Fx f = client();

        assertThat(failure(() -> f.secrets.get("mem:missing"))).isInstanceOf(SecretNotFoundException.class);
        // each cold failure is remembered until its retry falls due (at most expiredMaxBackoff, 1 s): move past it
        f.source.failNext(1, () -> new SecretAccessDeniedException("permission denied", null, "mem"));
        assertThat(failure(() -> f.secrets.get("mem:app/db"))).isInstanceOf(SecretAccessDeniedException.class);
        f.advance(Duration.ofSeconds(1));
        f.source.failNext(1, () -> new SourceUnavailableException("connection refused", null, "mem"));
        assertThat(failure(() -> f.secrets.get("mem:app/db"))).isInstanceOf(SourceUnavailableException.class);
        f.advance(Duration.ofSeconds(1));
        f.source.failNext(1, () -> new SecretFormatException("response is not a JSON object", null, "mem"));
        assertThat(failure(() -> f.secrets.get("mem:app/db"))).isInstanceOf(SecretFormatException.class);
        f.advance(Duration.ofSeconds(1));

        Secret db = kept(f.secrets.get("mem:app/db"));
        assertThat(db.field("password")).contains(DB_PASS);
        assertThat(failure(() -> f.secrets.value("mem:app/db"))).isInstanceOf(SecretFormatException.class);
        assertThat(failure(() -> f.secrets.value("mem:app/db#nope"))).isInstanceOf(SecretFormatException.class);
        assertThat(failure(db::value)).isInstanceOf(SecretFormatException.class);
        assertThat(failure(db::bytes)).isInstanceOf(SecretFormatException.class);
        assertThat(f.types())
                .filteredOn(t -> t == SecretEventType.REFRESH_FAILED)
                .hasSize(4);
        assertThat(f.types()).contains(SecretEventType.LOADED);
    }

    @Test
    void foreignExceptionFromTheSource_isRedacted_onEveryOperation() {
        Fx f = client();

        f.source.failNext(1, () -> foreign(DB_PASS));
        Throwable cold = failure(() -> f.secrets.get("mem:app/db"));
        assertThat(cold).isInstanceOf(SourceUnavailableException.class).hasMessageContaining("IllegalStateException");
        f.advance(Duration.ofSeconds(1)); // past the retry of the remembered cold failure
        f.source.failNext(1, TalkativeException::new);
        assertThat(failure(() -> f.secrets.get("mem:app/db"))).isInstanceOf(SourceUnavailableException.class);
        f.source.failNext(1, () -> new UncheckedIOException(new IOException("body " + API_KEY)));
        assertThat(failure(() -> f.secrets.handle("mem:app/api-key"))).isInstanceOf(SourceUnavailableException.class);
        f.advance(Duration.ofSeconds(1));
        f.source.beforeCall(() -> {
            throw new AssertionError("assertion on " + API_KEY, new IOException(DB_PASS));
        });
        assertThat(failure(() -> f.secrets.get("mem:app/api-key"))).isInstanceOf(SourceUnavailableException.class);
        f.source.beforeCall(() -> {});
        f.advance(Duration.ofSeconds(1));

        // background refreshes and a manual one
        kept(f.secrets.get("mem:app/api-key"));
        f.source.failAlways(() -> foreign(API_KEY));
        f.advance(Duration.ofMinutes(30));
        assertThat(failure(() -> f.secrets.refresh("mem:app/api-key"))).isInstanceOf(SecretException.class);
        keep(f.secrets.inventory());

        // a batch load: the first failure with the others suppressed
        Throwable batch = failure(() -> f.secrets.preload(List.of("mem:app/db", "mem:missing", "mem:db/creds")));
        assertThat(batch).isInstanceOf(SecretException.class);
        assertThat(batch.getSuppressed()).isNotEmpty();

        // renew and revoke
        f.source.recover();
        f.advance(Duration.ofSeconds(1)); // past the retry of the batch's remembered cold failures
        kept(f.secrets.get("mem:db/creds"));
        f.source.failOnly(Set.of(Operation.RENEW, Operation.REVOKE));
        f.source.failAlways(() -> foreign(DB_PASS));
        f.advance(Duration.ofMinutes(45));
        kept(f.secrets.compromised("mem:db/creds"));

        assertThat(f.types()).contains(SecretEventType.REFRESH_FAILED, SecretEventType.REVOKED);
        assertThat(f.events.ofType(SecretEventType.REVOKED))
                .anySatisfy(e -> assertThat(e.outcome()).isEqualTo(SecretEvent.Outcome.FAILURE));
    }

    /*
     * A source that reports a failure with one of Rotor's own exceptions but keeps a foreign exception as its cause
     * (the natural way for an adapter to wrap a parser or I/O error, whose message quotes the response): the cause
     * must reach neither the circuit breaker's debug log nor the caller with its message.
     */
    @Test
    void rotorExceptionFromTheSource_withAForeignCauseQuotingTheValue() {
        Fx f = client();
        // An adapter reports a bad response with Rotor's exception, keeping the parser's exception as the cause;
        // parsers quote the offending content in their messages.
        f.source.failNext(
                1, () -> new SecretFormatException("response is not a JSON object", null, "mem", foreign(DB_PASS)));

        Throwable e = failure(() -> f.secrets.get("mem:app/db"));

        assertThat(e).isInstanceOf(SecretFormatException.class).hasMessageContaining("response is not a JSON object");
        assertThat(e.getCause()).isInstanceOf(dev.rotor.secrets.SecretException.RedactedCause.class);
    }

    @Test
    void rotorExceptionFromTheSource_withASuppressedForeignException() {
        Fx f = client();
        f.source.failNext(1, () -> {
            SecretFormatException e = new SecretFormatException("response is not a JSON object", null, "mem");
            e.addSuppressed(foreign(DB_PASS));
            return e;
        });

        Throwable e = failure(() -> f.secrets.get("mem:app/db"));

        assertThat(e)
                .isInstanceOf(dev.rotor.secrets.SecretException.class)
                .hasMessageContaining("SecretFormatException");
        assertThat(e.getSuppressed()).isEmpty();
    }

    @Test
    void refreshFailures_backOff_andKeepTheLastGoodValue() {
        Fx f = client();
        Secret v1 = kept(f.secrets.get("mem:app/db"));
        f.source.goDown();

        f.advance(Duration.ofHours(1));

        assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).hasSizeGreaterThan(3);
        assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).allSatisfy(e -> assertThat(e.detail())
                .hasValueSatisfying(d -> assertThat(d).contains("retry in")));
        assertThat(kept(f.secrets.get("mem:app/db"))).isSameAs(v1);
        assertThat(f.secrets.inventory()).anySatisfy(e -> assertThat(e.state()).isEqualTo(SecretState.DEGRADED));
        keep(f.secrets.inventory());

        f.source.recover();
        f.source.putFields("app/db", orderedFields("username", DB_USER, "password", DB_PASS + "-2"));
        f.advance(Duration.ofMinutes(10));
        assertThat(kept(f.secrets.get("mem:app/db")).version()).isEqualTo("2");
        assertThat(f.types()).contains(SecretEventType.ROTATED);
    }

    @Test
    void circuitBreaker_opensOnRepeatedFailures_andClosesAgain() {
        Fx f = new Fx(b -> b.circuitBreaker(CircuitBreakerConfig.custom()
                .slidingWindowSize(4)
                .minimumNumberOfCalls(4)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .permittedNumberOfCallsInHalfOpenState(1)
                .build()));
        kept(f.secrets.get("mem:app/db"));
        f.source.failAlways(() -> foreign(DB_PASS));

        for (String ref : List.of("mem:app/api-key", "mem:app/json", "mem:app/typed")) {
            assertThat(failure(() -> f.secrets.get(ref))).isInstanceOf(SourceUnavailableException.class);
        }
        assertThat(f.types()).contains(SecretEventType.CIRCUIT_OPENED);
        assertThat(failure(() -> f.secrets.get("mem:db/creds")))
                .isInstanceOf(SourceUnavailableException.class)
                .hasMessageContaining("circuit breaker open");

        f.source.recover();
        f.advance(Duration.ofSeconds(6));
        kept(f.secrets.get("mem:app/api-key"));
        assertThat(f.types()).contains(SecretEventType.CIRCUIT_CLOSED);
    }

    @Test
    void renewalFailure_thenLeaseExpired_reissuesTheCredentials() {
        Fx f = client();
        List<SecretChange> changes = new ArrayList<>();
        Secret first = kept(f.secrets.get("mem:db/creds"));
        f.secrets.watch("mem:db/creds#password", changes::add);
        f.source.failOnly(Set.of(Operation.RENEW));
        f.source.failNext(1, () -> foreign(DYN_PASS + "1"));
        f.source.failNext(1, () -> new LeaseExpiredException("lease not found", null, "mem"));

        f.advance(Duration.ofMinutes(50));

        assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED)).hasSizeGreaterThanOrEqualTo(2);
        assertThat(f.events.ofType(SecretEventType.REFRESH_FAILED))
                .anySatisfy(e -> assertThat(e.errorClass()).contains(LeaseExpiredException.class.getName()));
        assertThat(f.types()).contains(SecretEventType.ROTATED);
        Secret reissued = kept(f.secrets.get("mem:db/creds"));
        assertThat(reissued.version()).isNotEqualTo(first.version());
        assertThat(changes).hasSizeGreaterThanOrEqualTo(2);
        changes.forEach(this::keep);
        keep(first);
    }

    @Test
    void renewalCappedByTheMaxTtl_rotatesEarly() {
        Fx f = client();
        kept(f.secrets.get("mem:db/capped"));

        f.advance(Duration.ofHours(3));

        assertThat(f.events.ofType(SecretEventType.RENEWED)).anySatisfy(e -> assertThat(e.detail())
                .hasValueSatisfying(d -> assertThat(d).contains("rotating early")));
        assertThat(f.types()).contains(SecretEventType.ROTATED, SecretEventType.REVOKED);
        kept(f.secrets.get("mem:db/capped"));
    }

    @Test
    void hardDeadline_strictPolicy_throwsSecretExpired() {
        Fx f = client();
        SecretHandle handle = f.secrets.handle("mem:db/short#password");
        keep(handle);
        kept(handle.current());
        f.source.failAlways(() -> foreign(DYN_PASS + "2"));

        f.advance(Duration.ofMinutes(61));

        assertThat(f.types()).contains(SecretEventType.EXPIRED);
        assertThat(failure(() -> f.secrets.get("mem:db/short"))).isInstanceOf(SecretExpiredException.class);
        assertThat(failure(handle::current)).isInstanceOf(SecretExpiredException.class);
        assertThat(failure(handle::value)).isInstanceOf(SecretExpiredException.class);
        assertThat(f.secrets.inventory()).anySatisfy(e -> assertThat(e.state()).isEqualTo(SecretState.EXPIRED));
    }

    @Test
    void hardDeadline_serveStalePolicy_emitsStaleServed() {
        Fx f = new Fx(b -> b.stalePolicy(StalePolicy.serveStale()));
        Fx limited = new Fx(b -> b.stalePolicy(StalePolicy.serveStaleFor(Duration.ofMinutes(5))));
        keep(StalePolicy.serveStale());
        for (Fx x : List.of(f, limited)) {
            kept(x.secrets.get("mem:db/short"));
            x.source.failAlways(() -> foreign(DYN_PASS + "1"));
            x.advance(Duration.ofMinutes(61));
        }

        Secret stale = kept(f.secrets.get("mem:db/short"));
        assertThat(stale.field("password")).contains(DYN_PASS + "1");
        assertThat(f.types()).contains(SecretEventType.EXPIRED, SecretEventType.STALE_SERVED);
        kept(limited.secrets.get("mem:db/short"));
        limited.advance(Duration.ofMinutes(10));
        assertThat(failure(() -> limited.secrets.get("mem:db/short"))).isInstanceOf(SecretExpiredException.class);
    }

    @Test
    void validatorVeto_withTheValueInItsMessage_isNotPropagated() {
        Fx f = new Fx(b -> b.validator("mem:app/db", (candidate, current) -> {
                    throw new IllegalArgumentException(
                            "password " + candidate.field("password").orElse("") + " fails the policy");
                })
                .validator("mem:app/api-key", (candidate, current) -> {
                    if (current.isPresent()) {
                        throw new SQLException(
                                "login failed with " + candidate.value() + " (was "
                                        + current.get().value() + ")",
                                "28000",
                                new AssertionError(candidate.value()));
                    }
                })
                .validator("mem:app/json", (candidate, current) -> {
                    throw new AssertionError("content " + candidate.value());
                }));

        assertThat(failure(() -> f.secrets.get("mem:app/db"))).isInstanceOf(SecretRejectedException.class);
        assertThat(failure(() -> f.secrets.get("mem:app/json"))).isInstanceOf(SecretRejectedException.class);
        Secret v1 = kept(f.secrets.get("mem:app/api-key"));
        f.source.put("app/api-key", API_KEY + "-2");
        f.advance(Duration.ofMinutes(10));
        assertThat(failure(() -> f.secrets.refresh("mem:app/api-key"))).isInstanceOf(SecretRejectedException.class);

        assertThat(f.secrets.get("mem:app/api-key")).isSameAs(v1);
        assertThat(f.events.ofType(SecretEventType.REJECTED)).hasSizeGreaterThanOrEqualTo(3);
    }

    @Test
    void watchListenerThatThrowsTheValue_isLoggedWithoutIt() {
        Fx f = client();
        AtomicReference<SecretChange> last = new AtomicReference<>();
        f.secrets.watch("mem:app/db#password", change -> {
            throw new IllegalStateException(
                    "cannot use " + change.current().value(change.ref()),
                    new RuntimeException(change.current().field("username").orElse("")));
        });
        f.secrets.watch("mem:app/db", last::set);
        f.secrets.watch("mem:app/api-key", change -> {
            throw new TalkativeException();
        });

        f.source.putFields("app/db", orderedFields("username", DB_USER, "password", DB_PASS + "-2"));
        f.advance(Duration.ofMinutes(10));

        assertThat(last.get().current().version()).isEqualTo("2");
        keep(last.get());
        keep(last.get().previous());
        assertThat(leaks.logLines()).anySatisfy(line -> assertThat(line).startsWith("WARN "));
    }

    @Test
    void eventListenerThatThrowsTheValue_isLoggedWithoutIt() {
        Fx f = new Fx(b -> b.eventListener(e -> {
            throw new IllegalStateException("audit sink rejected " + DB_PASS, new IOException(API_KEY));
        }));
        f.secrets.addEventListener(e -> {
            throw new TalkativeException();
        });

        kept(f.secrets.get("mem:app/db"));
        f.source.failNext(1, () -> foreign(DB_PASS));
        assertThat(failure(() -> f.secrets.refresh("mem:app/db"))).isInstanceOf(SourceUnavailableException.class);

        assertThat(f.types()).contains(SecretEventType.LOADED, SecretEventType.REFRESH_FAILED);
    }

    @Test
    void compromised_revokesReissuesAndWipesTheOldVersion() {
        Fx f = client();
        Secret old = kept(f.secrets.get("mem:db/creds"));
        Secret oldStatic = kept(f.secrets.get("mem:app/api-key"));

        Secret fresh = kept(f.secrets.compromised("mem:db/creds"));
        kept(f.secrets.compromised("mem:app/api-key"));

        assertThat(fresh.version()).isNotEqualTo(old.version());
        assertThat(old.isWiped()).isTrue();
        assertThat(oldStatic.isWiped()).isTrue();
        keep(old);
        assertThat(failure(old::fields)).isInstanceOf(IllegalStateException.class);
        assertThat(failure(() -> old.field("password"))).isInstanceOf(IllegalStateException.class);
        assertThat(f.types())
                .containsSubsequence(SecretEventType.COMPROMISED, SecretEventType.REVOKED)
                .contains(SecretEventType.ROTATED);

        // the source fails while the compromised secret is re-issued
        f.source.failAlways(() -> foreign(DYN_PASS + "3"));
        assertThat(failure(() -> f.secrets.compromised("mem:db/creds"))).isInstanceOf(SecretException.class);
    }

    @Test
    void close_revokesLeases_andWipesEverything() {
        Fx f = new Fx(b -> b.revokeOnClose(true));
        Secret dynamic = kept(f.secrets.get("mem:db/creds"));
        Secret other = kept(f.secrets.get("mem:db/short"));
        Secret fields = kept(f.secrets.get("mem:app/db"));
        Secret raw = kept(f.secrets.get("mem:app/api-key"));
        SecretHandle handle = f.secrets.handle("mem:app/db#password");
        keep(handle);
        f.source.failOnly(Set.of(Operation.REVOKE));
        f.source.failNext(1, () -> foreign(DYN_PASS + "1"));

        f.close();

        assertThat(f.events.ofType(SecretEventType.REVOKED)).hasSize(2);
        assertThat(f.events.ofType(SecretEventType.REVOKED))
                .anySatisfy(e -> assertThat(e.outcome()).isEqualTo(SecretEvent.Outcome.FAILURE));
        for (Secret s : List.of(dynamic, other, fields, raw)) {
            assertThat(kept(s).isWiped()).isTrue();
            assertThat(failure(s::fields)).isInstanceOf(IllegalStateException.class);
            assertThat(failure(() -> s.field("password"))).isInstanceOf(IllegalStateException.class);
            assertThat(failure(() -> s.as(Map.class))).isInstanceOf(IllegalStateException.class);
            assertThat(failure(s::newBuilder)).isInstanceOf(IllegalStateException.class);
        }
        assertThat(failure(raw::value)).isInstanceOf(IllegalStateException.class);
        assertThat(failure(raw::bytes)).isInstanceOf(IllegalStateException.class);
        assertThat(failure(handle::value)).isInstanceOf(IllegalStateException.class);
        assertThat(failure(() -> f.secrets.get("mem:app/db"))).isInstanceOf(SecretConfigurationException.class);
        assertThat(failure(() -> f.secrets.refresh("mem:app/db"))).isInstanceOf(SecretConfigurationException.class);
    }

    @Test
    void close_ofASourceThatThrowsTheValue_isLoggedWithoutIt() {
        SecretSource leaky = new SecretSource() {
            @Override
            public String scheme() {
                return "leaky";
            }

            @Override
            public Secret fetch(FetchRequest request) {
                return Secret.builder(request.ref())
                        .version("1")
                        .value(API_KEY)
                        .fetchedAt(java.time.Instant.EPOCH)
                        .build();
            }

            @Override
            public void close() {
                throw new IllegalStateException("cannot close session for " + DB_PASS, new IOException(API_KEY));
            }
        };
        Fx f = new Fx(b -> b.source(leaky));
        kept(f.secrets.get("leaky:x"));

        f.close();

        assertThat(leaks.logLines()).anySatisfy(line -> assertThat(line).contains("leaky", "failed to close"));
    }

    @Test
    void malformedRefs_andUnknownParameters() {
        Fx f = client();
        kept(f.secrets.get("mem:app/db"));

        for (String bad : List.of("mem:app/../db", "mem:app//db", "MEM:app/db", "app/db", "mem:app/db#", "")) {
            assertThat(failure(() -> f.secrets.get(bad))).isInstanceOf(InvalidSecretRefException.class);
            assertThat(failure(() -> f.secrets.handle(bad))).isInstanceOf(InvalidSecretRefException.class);
            assertThat(failure(() -> f.secrets.watch(bad, c -> {}))).isInstanceOf(InvalidSecretRefException.class);
        }
        assertThat(failure(() -> f.secrets.get("mem:app/db?color=red")))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("unknown parameter 'color'");
        assertThat(failure(() -> f.secrets.get("other:app/db"))).isInstanceOf(SecretConfigurationException.class);
        assertThat(failure(() -> Secrets.builder().discoverSources(false).build()))
                .isInstanceOf(SecretConfigurationException.class);
    }

    @Test
    void mappingFailures_nameTheTypeAndNotTheContent() {
        Fx f = client();

        assertThat(failure(() -> f.secrets.get("mem:app/json", Endpoint.class)))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining(Endpoint.class.getName());
        assertThat(failure(() -> f.secrets.get("mem:app/typed", Endpoint.class)))
                .isInstanceOf(SecretFormatException.class);
        assertThat(failure(() -> f.secrets.get("mem:app/api-key", Endpoint.class)))
                .isInstanceOf(SecretFormatException.class);
        assertThat(failure(() -> f.secrets.get("mem:app/json", StrictEndpoint.class)))
                .isInstanceOf(SecretFormatException.class);
        Map<?, ?> asMap = f.secrets.get("mem:app/db", Map.class);
        assertThat(asMap.get("password")).isEqualTo(DB_PASS);
    }

    @Test
    void valueTypes_printNoValue() {
        Fx f = client();
        Secret s = kept(f.secrets.get("mem:db/creds"));
        Secret built = Secret.builder(SecretRef.parse("mem:x#f"))
                .version("1")
                .value(DB_PASS)
                .field("password", DB_PASS)
                .lease(s.lease().orElseThrow())
                .attribute("arn", "arn:aws:secretsmanager:eu-west-1:1:secret:x")
                .stages(List.of("AWSCURRENT"))
                .fetchedAt(f.scheduler.clock().now())
                .build();

        kept(built);
        keep(built.newBuilder().build());
        keep(new SecretChange(SecretRef.parse("mem:x"), built, s));
        keep(s.lease().orElseThrow());
        keep(RefreshPolicy.defaults());
        keep(StalePolicy.strict());
        keep(SecretDeclaration.of("mem:app/db").owner("team").maxAge(Duration.ofDays(1)));
        keep(f.secrets.handle("mem:app/db#password"));
        keep(f.secrets.inventory());
        keep(f.source);
        built.wipe();
        kept(built);
    }
}
