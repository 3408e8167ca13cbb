package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.LeaseExpiredException;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretExpiredException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionIds;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The adapter's Vault token, kept alive by the core's own engine: the token is a secret of an internal source (fetch
 * = login, or lookup-self for a given token; renew = {@code auth/token/renew-self}; revoke = {@code
 * auth/token/revoke-self}) held by a private {@link Secrets} client on the outer client's scheduler and policy. The
 * engine renews it at about two thirds of its TTL with jitter, logs in again when renewal stops paying (max TTL) or
 * the token expired, and retries failures with backoff. Its events reach the outer client as AUTH_LOGIN,
 * AUTH_RENEWED and AUTH_FAILED. Its calls run on the outer client's executor (or the {@code sessionExecutor}) with the
 * outer client's random generator, so no pool of its own exists and its timing follows a manual clock exactly. A login
 * needed by a data call runs on the caller's thread, so a bounded executor busy with data calls that wait for that
 * login cannot starve it. When the token is replaced, {@code onReplaced} gets the new generation. Thread-safe.
 */
public final class TokenSession implements AutoCloseable {
    static final SecretRef REF = SecretRef.of("vault-token", "session");
    private static final int KEEP_TOKENS = 4;
    private static final String MAX_EXPIRES_AT = "max_expires_at";
    // set while a data call waits for the token: a login it starts runs on its own thread
    private static final ThreadLocal<Boolean> INLINE = new ThreadLocal<>();

    private final Secrets inner;
    private final VaultHttp http;
    private final TokenSource source;
    private final SourceContext context;
    private final String name;
    private final Consumer<String> onReplaced;

    /** A token in use and the generation it belongs to. Holds a credential: {@link #toString()} hides it. */
    public static final class Token {
        private final String value;
        private final String generation;
        private final Instant expiresAt;
        private final boolean renewable;
        private final Instant maxExpiresAt;

        Token(String value, String generation, Instant expiresAt, boolean renewable, Instant maxExpiresAt) {
            this.value = value;
            this.generation = generation;
            this.expiresAt = expiresAt;
            this.renewable = renewable;
            this.maxExpiresAt = maxExpiresAt;
        }

        public String value() {
            return value;
        }

        public String generation() {
            return generation;
        }

        /** When the token ends, if it has a TTL. */
        public Optional<Instant> expiresAt() {
            return Optional.ofNullable(expiresAt);
        }

        public boolean renewable() {
            return renewable;
        }

        /**
         * The latest the token can live, renewals included, where it is known: the end of its TTL for a token that is
         * not renewable, or its creation time plus an explicit max TTL that {@code auth/token/lookup-self} reported.
         * Empty for a renewable token from a login: the max TTL of the role, the mount or the system is not in the
         * login answer.
         */
        public Optional<Instant> maxExpiresAt() {
            return Optional.ofNullable(maxExpiresAt);
        }

        @Override
        public String toString() {
            return "Token{generation=" + generation + ", value=****}";
        }
    }

    /**
     * {@code sessionExecutor} may be null: the outer client's executor is used. {@code onReplaced} runs right after a
     * new token replaced the previous one (not after a renewal), with the new token's generation.
     */
    public TokenSession(
            VaultHttp http,
            AuthMethod auth,
            SourceContext context,
            Executor sessionExecutor,
            String name,
            Consumer<String> onReplaced) {
        this.context = context;
        this.name = name;
        this.onReplaced = onReplaced;
        this.http = http;
        this.source = new TokenSource(http, auth, context.timeSource(), name);
        Executor base = sessionExecutor != null ? sessionExecutor : context.executor();
        Executor executor = task -> {
            if (INLINE.get() != null) {
                task.run();
            } else {
                base.execute(task);
            }
        };
        Secrets.Builder builder = Secrets.builder();
        // the token's logins, renewals and re-logins are the outer client's LOGIN flights, under this source's name
        context.observer()
                .ifPresent(outer -> builder.observer(
                        (kind, ref, src) -> FlightObserver.startQuietly(outer, FlightObserver.Kind.LOGIN, ref, name)));
        this.inner = builder.discoverSources(false)
                .source(source)
                .scheduler(context.scheduler())
                .executor(executor)
                .random(context.random())
                .refreshPolicy(context.refreshPolicy())
                .stalePolicy(StalePolicy.strict())
                .auditLog(false)
                .maximumEntries(1)
                .revokeOnClose(auth.obtainsToken())
                // One secret, paced by the engine's backoff: a breaker that opened during an outage would only make
                // the first data calls after Vault came back fail fast instead of logging in. It opens only when the
                // last 100 logins and renewals all failed.
                .circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(100)
                        .minimumNumberOfCalls(100)
                        .failureRateThreshold(100)
                        .build())
                .eventListener(this::forward)
                .build();
    }

    /** The token to use now; logs in on first use. Failures name {@code ref}, the secret the caller wanted. */
    public Token current(SecretRef ref) {
        boolean outermost = INLINE.get() == null;
        INLINE.set(Boolean.TRUE);
        try {
            Secret s;
            try {
                s = inner.get(REF);
            } catch (SecretExpiredException expired) {
                // the token ended while Vault could not be reached: one login attempt now, not at the next retry
                s = inner.refresh(REF.toString());
            }
            Lease l = s.lease().orElse(null);
            String max = s.attributes().get(MAX_EXPIRES_AT);
            return new Token(
                    s.field("token").orElseThrow(),
                    s.version(),
                    l == null ? null : l.expiresAt(),
                    l != null && l.renewable(),
                    max == null ? null : Instant.parse(max));
        } catch (SecretException e) {
            throw rename(e, ref, "could not log in to Vault");
        } finally {
            if (outermost) {
                INLINE.remove();
            }
        }
    }

    /**
     * Who the token in service belongs to, as Vault said at the last login (or lookup of a given token); logs in first
     * when no token was obtained yet. Blocks on the network then: call it off the read path.
     */
    public SourceIdentity identity() {
        SourceIdentity id = source.identity;
        if (id == null) {
            current(null);
            id = source.identity;
        }
        if (id == null) {
            throw new SourceUnavailableException("Vault's answer did not say who the token belongs to", null, name);
        }
        return id;
    }

    /**
     * After Vault refused {@code used} (403): one forced login (or lookup of the given token) unless another thread
     * already replaced it. Never loops.
     */
    public void relogin(SecretRef ref, Token used) {
        boolean outermost = INLINE.get() == null;
        INLINE.set(Boolean.TRUE);
        try {
            Secret s;
            try {
                s = inner.get(REF);
            } catch (SecretExpiredException expired) {
                s = null;
            }
            if (s == null || s.version().equals(used.generation())) {
                inner.refresh(REF.toString());
            }
        } catch (SecretException e) {
            throw rename(e, ref, "could not log in to Vault again after access was denied");
        } finally {
            if (outermost) {
                INLINE.remove();
            }
        }
    }

    /**
     * Whether Vault still accepts {@code used}, asked through {@code auth/token/lookup-self} (which Vault's default
     * policy grants every token). Vault answers 403 both for a path the policies refuse and for a token it does not
     * know (expired, revoked): only the second calls for a new login. A 403 from lookup-self means the token itself is
     * gone; any other failure (Vault unreachable, sealed) leaves the question open and answers true, so that an outage
     * never forces logins.
     */
    public boolean accepted(SecretRef ref, Token used) {
        try {
            http.call(
                    "GET", "auth/token/lookup-self", null, used.value(), "token lookup (auth/token/lookup-self)", ref);
            return true;
        } catch (SecretAccessDeniedException gone) {
            return false;
        } catch (SecretException unknown) {
            return true;
        }
    }

    private SecretException rename(SecretException e, SecretRef ref, String what) {
        String m = what + " (" + e.getClass().getSimpleName() + ")";
        if (e instanceof SecretAccessDeniedException) {
            return new SecretAccessDeniedException(m, ref, name, e);
        }
        SourceThrottledException throttled = throttled(e);
        if (throttled != null) {
            // Vault's rate limit quota covers logins too: the caller waits as the login was asked to
            return new SourceThrottledException(
                    m, ref, name, throttled.retryAfter().orElse(null), e);
        }
        if (e.isRetryable()) {
            return new SourceUnavailableException(m, ref, name, e);
        }
        if (e instanceof SecretFormatException) {
            return new SecretFormatException(m, ref, name, e);
        }
        return new SecretConfigurationException(m, ref, name, e);
    }

    /** The throttled answer behind {@code e}, if one is (the inner client may have wrapped it); else null. */
    private static SourceThrottledException throttled(SecretException e) {
        int depth = 0;
        for (Throwable c = e; c != null && depth < 8; c = c.getCause(), depth++) {
            if (c instanceof SourceThrottledException) {
                return (SourceThrottledException) c;
            }
        }
        return null;
    }

    private void forward(SecretEvent e) {
        SecretEventType type;
        String detail;
        switch (e.type()) {
            case LOADED:
                type = SecretEventType.AUTH_LOGIN;
                detail = "token obtained";
                break;
            case ROTATED:
                type = SecretEventType.AUTH_LOGIN;
                detail = "token replaced (" + e.detail().orElse("login") + ")";
                break;
            case RENEWED:
                type = SecretEventType.AUTH_RENEWED;
                detail = e.detail().orElse("token renewed");
                break;
            case REFRESH_FAILED:
            case THROTTLED: // a login or token renewal Vault refused for its rate limit failed all the same
            case EXPIRED:
                type = SecretEventType.AUTH_FAILED;
                detail = (e.type() == SecretEventType.EXPIRED
                                ? "token expired"
                                : "token " + source.lastCall() + " failed")
                        + e.errorClass()
                                .map(c -> " (" + c.substring(c.lastIndexOf('.') + 1) + ")")
                                .orElse("");
                break;
            default:
                return;
        }
        SecretEvent.Builder b = SecretEvent.builder(type, e.time()).source(name).detail(detail);
        e.version().ifPresent(b::version);
        e.leaseExpiry().ifPresent(b::leaseExpiry);
        e.duration().ifPresent(b::duration);
        if (e.outcome() == SecretEvent.Outcome.FAILURE) {
            b.failure(failureOf(e.errorClass().orElse(""), detail));
        }
        if (e.type() == SecretEventType.LOADED || e.type() == SecretEventType.ROTATED) {
            // a new token may belong to someone else (a new entity, other policies): the records say so from now on,
            // starting with this login's own record where the client's executor learns it at once
            context.identityChanged();
        }
        context.publish(b.build());
        if (e.type() == SecretEventType.ROTATED) {
            // the new token is in service: leases issued under the old one must be re-issued before it ends
            e.version().ifPresent(onReplaced);
        }
    }

    /** An exception of the inner failure's type, for the outer event; it names the source only. */
    private SecretException failureOf(String errorClass, String detail) {
        String simple = errorClass.substring(errorClass.lastIndexOf('.') + 1);
        switch (simple) {
            case "SecretAccessDeniedException":
                return new SecretAccessDeniedException(detail, null, name);
            case "SecretConfigurationException":
                return new SecretConfigurationException(detail, null, name);
            case "SecretFormatException":
                return new SecretFormatException(detail, null, name);
            case "SecretNotFoundException":
                return new SecretNotFoundException(detail, null, name);
            case "SecretExpiredException":
                return new SecretExpiredException(detail, null, name);
            default:
                return new SourceUnavailableException(detail, null, name);
        }
    }

    @Override
    public void close() {
        source.closing = true;
        inner.close();
    }

    @Override
    public String toString() {
        return "TokenSession{" + name + "}";
    }

    /** The internal source whose one secret is the token. */
    static final class TokenSource implements SecretSource {
        private final VaultHttp http;
        private final AuthMethod auth;
        private final TimeSource time;
        private final String name;
        private final AtomicLong logins = new AtomicLong();
        // lease id -> token, for renew-self and revoke-self; a few recent tokens only
        private final Map<String, String> tokens = new LinkedHashMap<>();
        private String lastGiven;
        private String lastGivenVersion;
        // what the engine asked for last: a failure event it publishes follows its call on the same thread
        private volatile String lastCall = "login";
        volatile boolean closing;
        // who the token in service belongs to, as the last login or lookup said
        volatile SourceIdentity identity;

        TokenSource(VaultHttp http, AuthMethod auth, TimeSource time, String name) {
            this.http = http;
            this.auth = auth;
            this.time = time;
            this.name = name;
        }

        @Override
        public String scheme() {
            return REF.scheme();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<SourceCapability> capabilities() {
            return auth.obtainsToken()
                    ? Set.of(SourceCapability.RENEW, SourceCapability.REVOKE)
                    : Set.of(SourceCapability.RENEW);
        }

        @Override
        public Secret fetch(FetchRequest request) {
            lastCall = "login";
            LoginResult r = auth.login(http, REF);
            if (r.identity != null) {
                identity = r.identity;
            }
            Instant now = time.now();
            String version;
            synchronized (this) {
                if (auth.obtainsToken()) {
                    version = VersionIds.of(logins.incrementAndGet());
                } else if (r.token.equals(lastGiven)) {
                    version = lastGivenVersion;
                } else {
                    version = VersionIds.of(logins.incrementAndGet());
                    lastGiven = r.token;
                    lastGivenVersion = version;
                }
            }
            Secret.Builder b =
                    Secret.builder(REF).version(version).field("token", r.token).fetchedAt(now);
            Instant maxEnd = r.maxExpiresAt;
            if (!r.ttl.isZero() && !r.renewable) {
                Instant end = now.plus(r.ttl);
                maxEnd = maxEnd == null || end.isBefore(maxEnd) ? end : maxEnd;
            }
            if (maxEnd != null) {
                b.attribute(MAX_EXPIRES_AT, maxEnd.toString());
            }
            if (!r.ttl.isZero()) {
                String leaseId = "vault-token-" + version;
                remember(leaseId, r.token);
                b.lease(Lease.of(leaseId, r.ttl, r.renewable, now));
            }
            return b.build();
        }

        @Override
        public Lease renew(SecretRef ref, Lease lease, Duration increment) {
            lastCall = "renewal";
            String token = token(lease);
            if (token == null || auth.tokenChanged(token)) {
                throw new LeaseExpiredException("the token was replaced; logging in again", ref, name);
            }
            String what = "token renewal (auth/token/renew-self)";
            JsonNode body;
            try {
                body = http.call(
                        "POST",
                        "auth/token/renew-self",
                        VaultHttp.object().put("increment", Math.max(1, increment.toSeconds()) + "s"),
                        token,
                        what,
                        ref);
            } catch (SecretAccessDeniedException revokedOrExpired) {
                // Vault refuses a token it revoked or let expire: log in again rather than retry the renewal
                throw new LeaseExpiredException(what + ": Vault refused the token; logging in again", ref, name);
            }
            LoginResult r = AuthMethod.fromAuth(body, what, ref, name);
            if (r.ttl.isZero()) {
                throw new SecretNotFoundException(what + ": Vault granted no time", ref, name);
            }
            return lease.newBuilder()
                    .duration(r.ttl)
                    .renewable(r.renewable)
                    .issuedAt(time.now())
                    .build();
        }

        @Override
        public void revoke(SecretRef ref, Lease lease) {
            String token;
            synchronized (this) {
                token = lease.id().map(tokens::get).orElse(null);
                if (closing && token != null) {
                    tokens.remove(lease.id().get());
                }
            }
            // A token replaced while the client runs is left to expire at its own TTL: revoking it would make Vault
            // revoke every lease issued under it while the application may still use them. On close it is revoked.
            if (token == null || !closing) {
                return;
            }
            http.call("POST", "auth/token/revoke-self", null, token, "token revocation (auth/token/revoke-self)", ref);
        }

        /**
         * The call the engine made last: {@code "login"} (a login, or the lookup of a given token) or {@code
         * "renewal"} (renew-self).
         */
        String lastCall() {
            return lastCall;
        }

        private synchronized String token(Lease lease) {
            return lease.id().map(tokens::get).orElse(null);
        }

        private synchronized void remember(String leaseId, String token) {
            tokens.put(leaseId, token);
            while (tokens.size() > KEEP_TOKENS) {
                tokens.remove(tokens.keySet().iterator().next());
            }
        }

        @Override
        public String toString() {
            return "TokenSource{" + name + "}";
        }
    }
}
