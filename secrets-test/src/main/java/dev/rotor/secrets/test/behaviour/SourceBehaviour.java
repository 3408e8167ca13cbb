package dev.rotor.secrets.test.behaviour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.spi.FetchReason;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.VersionProbe;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.ManualSourceContext;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.behaviour.StoreUnderTest.Behaviour;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every adapter does, checked against its store: extend this class in an adapter's tests, return a fresh {@link
 * StoreUnderTest} from {@link #store()}, and the adapter is held to the same behaviour as every other: read, field,
 * change, delete, access denied, not found, throttled, unavailable and malformed, each error typed, naming the ref
 * and the source, never carrying the value; and, through a client on a manual clock, a change picked up by the poll
 * and the last good value served while the store is down or throttling.
 *
 * <pre>{@code
 * class AwsBehaviourTest extends SourceBehaviour {
 *     @Override
 *     protected StoreUnderTest store() {
 *         return new AwsStore(SecretsManagerFake.start());
 *     }
 * }
 * }</pre>
 *
 * <p>A behaviour the store does not list in {@link StoreUnderTest#behaviours()} is skipped (an assumption), so the
 * report shows what was not checked.
 */
public abstract class SourceBehaviour {
    /** The poll interval of the client the suite builds: a change is seen within it. */
    protected static final Duration POLL = Duration.ofMinutes(1);

    private StoreUnderTest store;
    private SecretSource started;
    private Secrets secrets;
    private ManualScheduler scheduler;
    private RecordingListener events;

    /** A fresh store for one test; closed after it. */
    protected abstract StoreUnderTest store();

    @BeforeEach
    final void openStore() {
        store = store();
    }

    @AfterEach
    final void closeStore() {
        try {
            if (secrets != null) {
                secrets.close();
            }
        } finally {
            store.close();
        }
    }

    @Test
    void read_returnsTheValueWithAVersion() {
        assume(Behaviour.READ);
        String value = unique("value");
        SecretRef ref = store.write("db", value);

        Secret secret = fetch(ref);

        assertEquals(value, secret.value(ref), "value of " + ref);
        assertFalse(secret.version().isBlank(), "a version id for " + ref);
        assertFalse(secret.toString().contains(value), "toString() prints no value: " + secret);
    }

    @Test
    void field_readsOneKeyOfAStructuredSecret() {
        assume(Behaviour.FIELD);
        String password = unique("pw");
        store.writeFields("db", Map.of("username", "app", "password", password));
        SecretRef ref = store.fieldRef("db", "password");

        assertEquals(password, fetch(ref).value(ref));
    }

    @Test
    void change_newVersionIsSeenByTheNextProbeOrRefresh() {
        assume(Behaviour.CHANGE);
        String v1 = unique("one");
        SecretRef ref = store.write("db", v1);
        Secret first = fetch(ref);
        String v2 = unique("two");
        store.write("db", v2);

        Optional<VersionProbe> probe = source().probe(ref);
        probe.ifPresent(p -> assertNotEquals(first.version(), p.version(), "the probe sees the new version"));
        Secret second = source().fetch(FetchRequest.of(ref, FetchReason.REFRESH, first.version()));

        assertEquals(v2, second.value(ref));
        assertNotEquals(first.version(), second.version(), "a new version id for a new value");
    }

    @Test
    void delete_deletedSecretIsNotFound() {
        assume(Behaviour.DELETE);
        String value = unique("gone");
        SecretRef ref = store.write("db", value);
        fetch(ref);
        store.delete("db");

        SecretNotFoundException e = assertThrows(SecretNotFoundException.class, () -> fetch(ref));
        assertNamesRefAndSource(e, ref, value);
        assertFalse(e.isRetryable(), "not found is not retried as a store failure");
    }

    @Test
    void notFound_secretThatNeverExisted() {
        assume(Behaviour.NOT_FOUND);
        SecretRef ref = store.missing("never");

        SecretNotFoundException e = assertThrows(SecretNotFoundException.class, () -> fetch(ref));
        assertNamesRefAndSource(e, ref, null);
    }

    @Test
    void accessDenied_isItsOwnErrorAndNotRetried() {
        assume(Behaviour.ACCESS_DENIED);
        String value = unique("denied");
        SecretRef ref = store.write("db", value);
        store.denyAccess("db");

        SecretAccessDeniedException e = assertThrows(SecretAccessDeniedException.class, () -> fetch(ref));
        assertNamesRefAndSource(e, ref, value);
        assertFalse(e.isRetryable(), "access denied is not retried");
    }

    @Test
    void throttled_isItsOwnOutcomeWithTheStoresWait() {
        assume(Behaviour.THROTTLED);
        String value = unique("busy");
        SecretRef ref = store.write("db", value);
        store.throttle(Duration.ofSeconds(7));

        SourceThrottledException e = assertThrows(SourceThrottledException.class, () -> fetch(ref));
        assertNamesRefAndSource(e, ref, value);
        assertTrue(e.isRetryable(), "throttled is retried later");
        if (store.throttlingSaysHowLong()) {
            Duration wait = e.retryAfter().orElseThrow(() -> new AssertionError("the store said how long: " + e));
            assertTrue(!wait.isNegative() && wait.compareTo(Duration.ofSeconds(8)) <= 0, "retry after " + wait);
        }
    }

    @Test
    void unavailable_isRetryable() {
        assume(Behaviour.UNAVAILABLE);
        String value = unique("down");
        SecretRef ref = store.write("db", value);
        store.makeUnavailable();

        SourceUnavailableException e = assertThrows(SourceUnavailableException.class, () -> fetch(ref));
        assertNamesRefAndSource(e, ref, value);
        assertTrue(e.isRetryable(), "unavailable is retried");
    }

    @Test
    void malformed_isAFormatError() {
        assume(Behaviour.MALFORMED);
        SecretRef ref = store.malformed("plain");

        SecretFormatException e =
                assertThrows(SecretFormatException.class, () -> fetch(ref).value(ref));
        assertEquals(Optional.of(ref), e.ref(), "names the ref: " + e.getMessage());
    }

    @Test
    void client_picksUpAChangeWithinThePollInterval() {
        assume(Behaviour.CHANGE);
        SecretRef ref = store.write("db", "one-" + UUID.randomUUID());
        Secrets client = client();
        String first = client.value(ref.toString());
        String second = unique("two");
        store.write("db", second);

        scheduler.advance(POLL.plusSeconds(1));

        assertNotEquals(first, second);
        assertEquals(second, client.value(ref.toString()), "seen within the poll interval");
        assertTrue(events.types().contains(SecretEventType.ROTATED), "a ROTATED event: " + events.types());
    }

    @Test
    void client_keepsServingTheLastValueWhileTheStoreIsDown() {
        assume(Behaviour.UNAVAILABLE);
        String value = unique("kept");
        SecretRef ref = store.write("db", value);
        Secrets client = client();
        client.value(ref.toString());
        store.makeUnavailable();

        scheduler.advance(POLL.multipliedBy(3));

        assertEquals(value, client.value(ref.toString()));
        assertTrue(events.types().contains(SecretEventType.REFRESH_FAILED), "failures are events: " + events.types());
        store.restore();
    }

    @Test
    void client_keepsServingWhileThrottledAndCountsNoFailure() {
        assume(Behaviour.THROTTLED);
        String value = unique("kept");
        SecretRef ref = store.write("db", value);
        Secrets client = client();
        client.value(ref.toString());
        store.throttle(Duration.ofSeconds(7));

        scheduler.advance(POLL.plusSeconds(1));

        assertEquals(value, client.value(ref.toString()));
        assertTrue(events.types().contains(SecretEventType.THROTTLED), "a THROTTLED event: " + events.types());
        assertFalse(events.types().contains(SecretEventType.REFRESH_FAILED), "not a failure: " + events.types());
        store.restore();
    }

    /**
     * The client the suite's client tests read through: the store's source (started by the client, not by the
     * suite) on a manual clock, polling every minute.
     */
    protected Secrets client() {
        if (started != null) {
            throw new IllegalStateException("the source was started for direct calls already");
        }
        scheduler = new ManualScheduler();
        events = new RecordingListener();
        SecretSource source = store.source();
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(FixedRandom.of(0.5))
                .refreshPolicy(RefreshPolicy.builder()
                        .pollInterval(POLL)
                        .pollJitter(0)
                        .spreadFirstRefresh(false)
                        .build())
                .eventListener(events)
                .build();
        return secrets;
    }

    private Secret fetch(SecretRef ref) {
        return source().fetch(FetchRequest.of(ref, FetchReason.INITIAL));
    }

    /** The store's source, started on a manual clock of its own, for the tests that call it directly. */
    private SecretSource source() {
        if (started == null) {
            started = ManualSourceContext.start(store.source(), new ManualScheduler());
        }
        return started;
    }

    private void assume(Behaviour b) {
        Assumptions.assumeTrue(store.behaviours().contains(b), () -> b + " does not apply to this store");
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    private void assertNamesRefAndSource(SecretException e, SecretRef ref, String value) {
        String message = String.valueOf(e.getMessage());
        if (e.ref().isEmpty() && !message.contains(ref.toString())) {
            fail("names the ref " + ref + ": " + message);
        }
        e.ref().ifPresent(r -> assertEquals(ref, r, "the ref: " + message));
        assertTrue(e.source().isPresent(), "names the source: " + message);
        assertEquals(store.source().name(), e.source().get(), "the source: " + message);
        if (value != null) {
            assertFalse(message.contains(value), "no value in the message: " + message);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                assertFalse(String.valueOf(c.getMessage()).contains(value), "no value in a cause: " + c);
            }
        }
    }
}
