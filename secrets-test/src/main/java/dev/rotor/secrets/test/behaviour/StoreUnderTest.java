package dev.rotor.secrets.test.behaviour;

import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SecretSource;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * One store, as {@link SourceBehaviour} drives it: the adapter under test, and the store's own state changed through
 * the store (its fake, emulator or real server), never by stubbing an answer per test.
 *
 * <p>An implementation is made fresh for each test and closed after it. Names are plain words ({@code "db"},
 * {@code "api"}); the store maps them to its own naming (a KV path, a secret name, a namespace and key).
 *
 * <pre>{@code
 * final class FakeStore implements StoreUnderTest {
 *     final SecretsManagerFake fake = SecretsManagerFake.start();
 *     final SecretSource source = AwsSecretsManagerSource.builder().client(clientFor(fake)).build();
 *     public SecretSource source() { return source; }
 *     public SecretRef write(String name, String value) { ... fake.createSecret(name, value) ...; return SecretRef.parse("aws-sm:" + name); }
 *     ...
 * }
 * }</pre>
 *
 * <p>Not thread-safe: the suite calls it from the test's thread.
 */
public interface StoreUnderTest extends AutoCloseable {

    /** The behaviours the suite may check on this store. */
    enum Behaviour {
        /** A plain value is read with a version id. */
        READ,
        /** {@code #field} reads one key of a JSON object value. */
        FIELD,
        /** A new version written to the store is seen by the next probe or refresh. */
        CHANGE,
        /** A deleted secret is not found. */
        DELETE,
        /** A secret the application may not read is access denied. */
        ACCESS_DENIED,
        /** A secret that never existed is not found. */
        NOT_FOUND,
        /** The store's throttling answer is {@code SourceThrottledException}. */
        THROTTLED,
        /** A store that does not answer, or answers with a server error, is unavailable and retryable. */
        UNAVAILABLE,
        /** An answer that cannot be read as the ref asks is a format error. */
        MALFORMED
    }

    /** Which behaviours apply; the others are skipped, each with the reason in the test report. */
    Set<Behaviour> behaviours();

    /**
     * The adapter under test, talking to the store: the same instance on every call, not yet started (the suite
     * starts it, or the client it builds does). {@link #close()} closes it.
     */
    SecretSource source();

    /** Writes {@code value} as the secret {@code name}, creating it or adding a version; the ref that reads it. */
    SecretRef write(String name, String value);

    /**
     * Writes {@code fields} as the secret {@code name} in the store's structured form (a JSON object, a KV map, a
     * Kubernetes Secret's keys); the ref that reads the whole secret, without a field.
     */
    SecretRef writeFields(String name, Map<String, String> fields);

    /** The ref that reads {@code field} of the secret {@code name} written by {@link #writeFields}. */
    SecretRef fieldRef(String name, String field);

    /** A ref to a secret the store has never held. */
    SecretRef missing(String name);

    /** Deletes the secret {@code name} as an operator would. */
    void delete(String name);

    /** From now on the application's identity may not read {@code name}. */
    void denyAccess(String name);

    /**
     * From now on the store answers throttled, with {@code retryAfter} where its protocol carries one; until {@link
     * #restore()}.
     */
    void throttle(Duration retryAfter);

    /** From now on the store is down or answers with a server error; until {@link #restore()}. */
    void makeUnavailable();

    /** Ends {@link #throttle} and {@link #makeUnavailable}. */
    void restore();

    /**
     * A ref that the store answers but that cannot be read as it asks: typically a field of a value that is not a
     * JSON object.
     */
    SecretRef malformed(String name);

    /** Whether the store's throttling answer says how long to wait (so the adapter must carry it). */
    default boolean throttlingSaysHowLong() {
        return true;
    }

    @Override
    void close();
}
