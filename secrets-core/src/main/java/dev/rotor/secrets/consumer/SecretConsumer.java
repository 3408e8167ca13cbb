package dev.rotor.secrets.consumer;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRejectedException;
import java.util.Optional;

/**
 * Anything that takes a credential into use: a connection pool, a data source, a client's password, an {@code
 * SSLContext}, an HTTP client's header. A {@link ConsumerBinding} offers it each version of one secret: it may check
 * and veto the version ({@link #validate}), takes it into use ({@link #accept}), and says when it has let go of the
 * previous one. The binding reports each hand-over, measures it, and keeps count; the consumer only does its own job.
 *
 * <pre>{@code
 * final class ApiKeyHeader implements SecretConsumer {
 *     private volatile String header;                       // read by every outgoing request
 *
 *     public String name() { return "billing-api"; }
 *     public String kind() { return "http-header"; }
 *
 *     public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
 *         if (candidate.field("key").isEmpty()) {
 *             throw new SecretRejectedException("field 'key' missing");
 *         }
 *     }
 *
 *     public void accept(SecretChange change) {
 *         header = "Bearer " + change.current().field("key").orElseThrow();
 *     }                                                     // no hold: the previous key is let go at once
 * }
 *
 * ConsumerBinding binding = ConsumerBinding.bind(secrets, new ApiKeyHeader(), "vault:secret/billing");
 * }</pre>
 *
 * <p><b>Letting go of the previous version.</b> A consumer that still uses the previous version after {@link
 * #accept} returns (a pool whose borrowed connections logged in with it, requests in flight) takes a hold on it with
 * {@link SecretChange#holdPrevious(java.time.Duration)} during {@code accept}, and releases the hold when it has let
 * go; the engine revokes the previous lease and wipes its values only then (or when the hold's time is up). A consumer
 * that takes no hold has let go when {@code accept} returns.
 *
 * <p><b>Validation.</b> {@link #validate} runs before anything changes: registered on the {@link
 * dev.rotor.secrets.Secrets.Builder} through {@link ConsumerBinding#validator(SecretConsumer)}, its veto keeps the
 * old version in service in the engine too (and its lease alive), and the engine retries later. Run by the binding on
 * delivery ({@link ConsumerBinding.Builder#validateOnDelivery(boolean)}), its veto keeps the consumer on its version
 * while the engine has moved on.
 *
 * <p><b>Safety.</b> A refusal's reason is read by people and written to events and logs: say what is wrong (the
 * missing field, the SQLState) and never quote a value or a driver's message, which can hold a user name.
 *
 * <p><b>Threads.</b> {@link #validate} runs on an engine thread, for the registered validator possibly at the same
 * time as a hand-over in flight; {@link #inUse} and {@link #accept} run on the engine thread that delivers the
 * version, one version at a time, in order. {@link #name()} and {@link #kind()} may be called from any thread.
 */
public interface SecretConsumer {
    /**
     * The consumer's name as events, hand-overs and logs give it ({@code "orders"} for a pool named orders): the
     * event's source and {@link HandOver#target()}. May change over time (a pool named only once it starts); never
     * blank.
     */
    String name();

    /**
     * A short word for what the consumer is, the events' detail: {@code "pool"}, {@code "data-source"}, {@code
     * "ssl-context"}.
     */
    String kind();

    /**
     * How refusals name the consumer to a person: {@code "HikariCP pool orders"} in {@code "HikariCP pool orders
     * vetoed version 7 (login refused: SQLState 28000)"}, and the name of its {@link ConsumerBinding#validator
     * validator}. The default is {@code kind() + " " + name()}.
     */
    default String displayName() {
        return kind() + " " + name();
    }

    /**
     * Whether the consumer already uses the values of {@code version}: asked for the first version delivered to a
     * binding only (a pool built with these credentials), which is then neither validated nor handed over. The
     * default is false: the first version is handed over too.
     */
    default boolean inUse(Secret version) {
        return false;
    }

    /**
     * Checks {@code candidate} before anything changes, and throws to veto it (the default accepts every version).
     *
     * @param inUse the version the consumer uses, as far as Rotor knows: the engine's current version when run as a
     *     registered validator, the consumer's own on delivery; empty before the first, or once Rotor has retired
     *     (and wiped) it
     * @throws SecretRejectedException whose {@link SecretRejectedException#reason() reason} says why, never with a
     *     value
     */
    default void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {}

    /**
     * Takes {@code change.current()} into use. Throw when that cannot be done, before changing anything: the consumer
     * stays on its version and the binding reports the refusal. Any other exception is reported as a refusal too, by
     * its class alone.
     *
     * @throws SecretRejectedException whose reason says why the consumer could not take the version into use
     */
    void accept(SecretChange change) throws SecretRejectedException;
}
