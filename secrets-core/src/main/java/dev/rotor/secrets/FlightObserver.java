package dev.rotor.secrets;

/**
 * Sees each call Rotor makes to a store, and each hand-over to a consumer, from its start to its end: for tracing and
 * timing (the Spring starter builds Micrometer observations on it). Set one with {@link
 * Secrets.Builder#observer(FlightObserver)}; without one the engine does no work for it.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .observer((kind, ref, source) -> {
 *             long t0 = System.nanoTime();
 *             return (outcome, error) -> log.debug("{} of {} on {}: {} in {} ns", kind, ref, source, outcome,
 *                     System.nanoTime() - t0);
 *         })
 *         .build();
 * }</pre>
 *
 * <p>What an observer is told is what an event says, never more: the kind of step, the secret's ref, the source's (or
 * the consumer's) name, the outcome and the class of the failure. Never a value, a token, a version or a message.
 *
 * <p><b>Threads.</b> {@link #start} and {@link Flight#stop} run on the thread that makes the call (an engine thread, or
 * for a first load possibly the reader's thread waiting for it), never on the read path of a loaded secret; they must
 * be quick and thread-safe. Each flight is stopped exactly once, on the thread that started it. An observer (or a
 * flight) that throws is logged by class and ignored: the call goes on as if there were none.
 */
@FunctionalInterface
public interface FlightObserver {

    /**
     * Called as a step starts.
     *
     * @param kind what the step is
     * @param ref the secret it is for (for a source's own login, the ref of its credential, such as {@code
     *     vault-token:session}); null for a batch load of several secrets
     * @param source the source's name ({@link dev.rotor.secrets.spi.SecretSource#name()}), or for a {@link
     *     Kind#HAND_OVER} the consumer's name
     * @return the flight to stop when the step ends; never null
     */
    Flight start(Kind kind, SecretRef ref, String source);

    /** One step under way. */
    @FunctionalInterface
    interface Flight {
        /**
         * Called once as the step ends.
         *
         * @param outcome how it ended
         * @param error the class of the failure (a {@link SecretException} subclass for a store call); null on success
         */
        void stop(Outcome outcome, Class<? extends Throwable> error);

        /** Stops the flight after {@code error}, or after a success when it is null (see {@link Outcome#of}). */
        default void stop(Throwable error) {
            stop(Outcome.of(error), error == null ? null : error.getClass());
        }
    }

    /** What a step is. */
    enum Kind {
        /**
         * A store call that reads a secret without a lease, or loads one for the first time: a first load, a poll, a
         * version probe, a batch load, a manual refresh, the look at the pending and previous versions.
         */
        REFRESH,
        /** The renewal of a lease. */
        RENEWAL,
        /**
         * A store call that replaces a version: a leased one (new credentials at the soft deadline of a lease that
         * cannot be renewed, early when renewal stops paying, or after the lease ended), or one reported compromised
         * (the store's rotation, or the fetch after it).
         */
        ROTATION,
        /** A source's own login, or the renewal of its own token (the Vault token session). */
        LOGIN,
        /** The hand-over of a version to a consumer (a connection pool, a client). */
        HAND_OVER
    }

    /** How a step ended. */
    enum Outcome {
        /** It did what it was for. */
        SUCCESS,
        /** The store throttled the call ({@link SourceThrottledException}); not a failure of the store. */
        THROTTLED,
        /** The version was vetoed ({@link SecretRejectedException}): a consumer refused it at its hand-over. */
        REJECTED,
        /** It failed; the last good version stays in service. */
        FAILURE;

        /** The outcome a step that threw {@code error} ended with. */
        public static Outcome of(Throwable error) {
            if (error == null) {
                return SUCCESS;
            }
            if (error instanceof SourceThrottledException) {
                return THROTTLED;
            }
            return error instanceof SecretRejectedException ? REJECTED : FAILURE;
        }
    }

    /**
     * Starts a flight on {@code observer}, isolating the caller from an observer that throws: a flight that does
     * nothing when {@code observer} is null or threw, and otherwise one that logs and ignores what its stop throws.
     * For the engine, and for sources that run steps of their own ({@link dev.rotor.secrets.spi.SourceContext#observer}).
     */
    static Flight startQuietly(FlightObserver observer, Kind kind, SecretRef ref, String source) {
        return QuietFlight.start(observer, kind, ref, source);
    }
}
