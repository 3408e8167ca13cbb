package dev.rotor.secrets.spi;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceIdentity;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where secrets come from: the one interface an adapter implements.
 *
 * <p>Only {@link #fetch(FetchRequest)} is required. The optional operations are used by the engine only when
 * {@link #capabilities()} lists them. Every method is a blocking call; the engine runs them on its own threads, never
 * on a reader's, bounds how many run at once per source and wraps them in a circuit breaker, so a source need not do
 * any of that itself.
 *
 * <p>Errors are reported with Rotor's exceptions: {@link dev.rotor.secrets.SecretNotFoundException}, {@link
 * dev.rotor.secrets.SecretAccessDeniedException}, {@link dev.rotor.secrets.SourceUnavailableException} (retryable),
 * {@link dev.rotor.secrets.SecretFormatException}, {@link dev.rotor.secrets.LeaseExpiredException}. Any other
 * exception is treated as a retryable failure of the source. Messages name the ref and the source and never hold a
 * value, a token or a response body.
 *
 * <pre>{@code
 * final class VaultLikeSource implements SecretSource {
 *     public String scheme() { return "demo"; }
 *     public Secret fetch(FetchRequest request) {
 *         return Secret.builder(request.ref()).version("1").value(readFromStore(request.ref()))
 *                 .fetchedAt(Instant.now()).build();
 *     }
 * }
 * }</pre>
 *
 * <p>Implementations must be thread-safe: the engine may call them from several threads at once, for different secrets.
 */
public interface SecretSource extends AutoCloseable {

    /** The ref scheme this source answers, for example {@code vault}. */
    String scheme();

    /** A name for logs, events and metrics; the scheme unless overridden. */
    default String name() {
        return scheme();
    }

    /** The optional operations this source supports. */
    default Set<SourceCapability> capabilities() {
        return Set.of();
    }

    /** The ref parameters this source understands; refs with any other parameter are rejected before a fetch. */
    default Set<String> parameters() {
        return Set.of();
    }

    /**
     * The refresh policy that fits this source, as a layer over {@link RefreshPolicy#defaults()}: only the options set
     * on its builder count. A source whose reads cost nothing (a local file) polls often and retries at its poll
     * interval; a store whose calls cost quota keeps the defaults. The application's own policies are layered on top
     * (see {@link RefreshPolicy}). The default overrides nothing.
     */
    default RefreshPolicy defaultRefreshPolicy() {
        return RefreshPolicy.defaults();
    }

    /**
     * The engine no longer holds {@code ref} (it was evicted from the client's bounded cache): drop whatever this
     * source keeps for that secret, so that the source's state stays bounded by the cache however many distinct refs
     * callers pass. {@code ref} has no field. Runs on an engine thread or a reader's; must be quick and must not block.
     * The default does nothing.
     */
    default void forget(SecretRef ref) {}

    /**
     * Called once, before the first call the client makes to this source, with what the client lends it. Keep it
     * quick and off the network (log in on the first fetch instead): other threads may wait for it. The default does
     * nothing.
     */
    default void start(SourceContext context) {}

    /**
     * Who the application is to the store (a Vault entity and its policies, an AWS ARN, a Kubernetes service account),
     * for the {@code who} of audit records; empty when the source cannot tell. Never a token or a credential.
     *
     * <p>The client asks once, when the first load of one of the source's secrets has succeeded and before that load's
     * record is published (so even the first record names who loaded it), on the executor thread that made the load
     * (never on a reader's thread unless the executor runs tasks inline); other first loads finishing meanwhile wait
     * for that answer. A ref the source refuses before any call never causes an ask. The client keeps the answer, and
     * asks again when the source
     * calls {@link SourceContext#identityChanged()} (a Vault token was replaced). It may block on the network. An
     * exception fails nothing: the records say the identity is unknown, with the exception's class. A source that
     * cannot tell yet answers {@link SourceIdentity#pending()} and calls {@code identityChanged()} when it can. The
     * default answers empty.
     */
    default Optional<SourceIdentity> identity() {
        return Optional.empty();
    }

    /** Fetches the current version of a secret. Required. */
    Secret fetch(FetchRequest request);

    /** Extends a renewable lease by about {@code increment}; answers the lease as the source granted it. */
    default Lease renew(SecretRef ref, Lease lease, Duration increment) {
        throw unsupported("renew", ref);
    }

    /** Ends a lease now. */
    default void revoke(SecretRef ref, Lease lease) {
        throw unsupported("revoke", ref);
    }

    /** The current version id, found more cheaply than by a fetch; empty when the source cannot tell. */
    default Optional<String> probeVersion(SecretRef ref) {
        return Optional.empty();
    }

    /**
     * As {@link #probeVersion}, and when to look again: a source that knows a change is near (a rotation under way)
     * answers {@link VersionProbe#of(String, java.time.Instant)} and the engine probes again then, if that is sooner
     * than its poll interval. The engine calls this method; the default answers {@link #probeVersion}'s id.
     */
    default Optional<VersionProbe> probe(SecretRef ref) {
        return probeVersion(ref).map(VersionProbe::of);
    }

    /**
     * Fetches several secrets at once. The answer maps each ref that was fetched to its secret; a ref missing from
     * the answer is fetched singly by the engine. The default fetches one by one.
     */
    default Map<SecretRef, Secret> fetchAll(Collection<SecretRef> refs) {
        Map<SecretRef, Secret> out = new LinkedHashMap<>();
        for (SecretRef ref : refs) {
            out.put(ref, fetch(FetchRequest.of(ref, FetchReason.INITIAL)));
        }
        return out;
    }

    /** Asks the store to create a new version now and answers it. */
    default Secret rotate(SecretRef ref) {
        throw unsupported("rotate", ref);
    }

    /**
     * The versions other than the current one that the store may still or already accept: during a rotation window,
     * the pending version first, then the previous one. Empty when no rotation is under way. A consumer asks for
     * them after the current credentials were refused (see {@link dev.rotor.secrets.Secrets#alternates(String)}),
     * never on the read path.
     */
    default List<Secret> alternates(SecretRef ref) {
        return List.of();
    }

    /**
     * Checks, once at start, that the store grants what {@code refs} need and no more: the client calls it from {@link
     * dev.rotor.secrets.Secrets.Builder#build()} with the declared secrets of this source and the exact refs of the
     * client's allow-list (without fields), after {@link #start}. A {@link AccessFinding.Kind#MISSING} finding stops
     * the build with a {@link dev.rotor.secrets.SecretAccessDeniedException}; the others are logged as warnings and
     * shown in {@link dev.rotor.secrets.Health#warnings()}. A source that cannot tell answers nothing (the default);
     * one whose check itself fails should answer an {@link AccessFinding.Kind#UNCHECKED} finding rather than throw.
     * May call the store: it runs on the thread that builds the client.
     */
    default List<AccessFinding> checkAccess(Collection<SecretRef> refs) {
        return List.of();
    }

    /** Releases what the source holds (connections, sessions). Called once, when the client closes. */
    @Override
    default void close() {}

    private SecretConfigurationException unsupported(String operation, SecretRef ref) {
        return new SecretConfigurationException("source does not support " + operation, ref, name());
    }
}
