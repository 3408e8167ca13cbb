package dev.rotor.secrets.aws;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.aws.internal.AwsErrors;
import dev.rotor.secrets.aws.internal.CallerIdentity;
import dev.rotor.secrets.aws.internal.ErrorMessageRedactor;
import dev.rotor.secrets.aws.internal.ResponseSizeLimit;
import dev.rotor.secrets.aws.internal.SecretContent;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionProbe;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerServiceClientConfiguration;
import software.amazon.awssdk.services.secretsmanager.model.APIErrorType;
import software.amazon.awssdk.services.secretsmanager.model.BatchGetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueRequest;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.RotateSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.SecretValueEntry;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

/**
 * AWS Secrets Manager as a Rotor {@link SecretSource} for refs of the scheme {@code aws-sm}:
 * {@code aws-sm:<name or full ARN>[#json-key][?stage=AWSCURRENT|AWSPENDING|AWSPREVIOUS | ?versionId=...]}.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .source(AwsSecretsManagerSource.builder()
 *                 .client(mySecretsManagerClient)          // or region(...), endpointOverride(...)
 *                 .rotateOnCompromise(true)                 // compromised(ref) calls RotateSecret
 *                 .build())
 *         .build();
 * String password = secrets.value("aws-sm:prod/db#password");
 * List<Secret> others = secrets.alternates("aws-sm:prod/db");   // AWSPENDING, then AWSPREVIOUS
 * }</pre>
 *
 * <p><b>Values.</b> A {@code SecretString} holding a JSON object becomes fields (nested values as their JSON text);
 * any other string is a raw value; a {@code SecretBinary} is a raw value of bytes. A string that starts as a JSON
 * object but does not parse, or a value larger than 64 KiB, is a {@link dev.rotor.secrets.SecretFormatException}.
 * {@link Secret#version()} is the AWS {@code VersionId}, {@link Secret#stages()} its staging labels and {@link
 * Secret#attributes()} its {@code arn} and {@code lastRotatedDate}, {@link Secret#nextRotation()} the secret's {@code
 * NextRotationDate}, and, while a rotation is under way, {@link Secret#checkAgainAt()} when this source wants to look
 * again.
 *
 * <p><b>Change detection.</b> The engine's polls call {@code DescribeSecret} (cheap, no value) and fetch with {@code
 * GetSecretValue} only when the stage points at another {@code VersionId}: a value never changes within a version. A
 * ref pinned with {@code ?versionId=} never changes and is never described again. While {@code AWSPENDING} points at
 * a version other than {@code AWSCURRENT} (a rotation under way) the probe asks to look again after {@link
 * Builder#rotationCheckInterval(Duration)}; a scheduled {@code NextRotationDate} brings the next look just after it.
 *
 * <p><b>Rotation windows.</b> {@link #alternates(SecretRef)} answers the {@code AWSPENDING} version (when it differs
 * from {@code AWSCURRENT}) and then the {@code AWSPREVIOUS} one, for a consumer whose current credentials were just
 * refused.
 *
 * <p><b>Batch preload.</b> {@link #fetchAll(Collection)} reads up to 20 secrets per {@code BatchGetSecretValue} call;
 * refs with a stage or a version id, and secrets the answer lists under {@code Errors} (a permission missing for one
 * secret, say), are left out of the answer, and the engine fetches them one by one.
 *
 * <p><b>Errors.</b> {@code ResourceNotFoundException} is {@link dev.rotor.secrets.SecretNotFoundException}; {@code
 * AccessDeniedException} and {@code DecryptionFailure} are {@link SecretAccessDeniedException} (not retried);
 * throttling ({@code ThrottlingException}, HTTP 429) is {@link dev.rotor.secrets.SourceThrottledException} (retried by
 * the engine after at least the answer's {@code Retry-After}, when it has one, and not counted by the circuit breaker);
 * {@code InternalServiceError} and network failures are {@link dev.rotor.secrets.SourceUnavailableException} (retried
 * by the engine with backoff); a secret scheduled for deletion is {@link dev.rotor.secrets.SecretNotFoundException}
 * (its message says it can be restored), as a soft-deleted secret is in every store; {@code InvalidRequestException}
 * and {@code InvalidParameterException} are {@link SecretConfigurationException}.
 *
 * <p><b>Client.</b> Give your own configured {@link SecretsManagerClient} (it stays yours: {@link #close()} leaves it
 * open), or let the source build one on first use with the SDK's default credentials chain and region, the {@code
 * apache-client} HTTP client (whose abort ends a read under way) and an optional endpoint override. Building the source makes no network call and
 * does not need a region: a missing region is reported on the first fetch. The client it builds has a deadline on
 * every call ({@link Builder#apiCallTimeout(Duration)}, 10 s, and {@link Builder#apiCallAttemptTimeout(Duration)}, 5 s
 * per attempt), caps the size of every answer ({@link #responseSizeLimit()}), withholds the service's error messages
 * ({@link #errorMessageRedactor()}), and speaks plain {@code http} to loopback only ({@link
 * Builder#allowInsecureHttp(boolean)}).
 *
 * <p>Thread-safe: the engine may call it from several threads at once.
 */
public final class AwsSecretsManagerSource implements SecretSource {
    /** The ref scheme this source answers. */
    public static final String SCHEME = "aws-sm";

    /** The ref parameter naming a staging label, such as {@code AWSPENDING}. */
    public static final String STAGE = "stage";

    /** The ref parameter naming a version id. */
    public static final String VERSION_ID = "versionId";

    /** The staging label of the version in service. */
    public static final String AWSCURRENT = "AWSCURRENT";

    /** The staging label of the version a rotation is creating. */
    public static final String AWSPENDING = "AWSPENDING";

    /** The staging label of the version in service before the last rotation. */
    public static final String AWSPREVIOUS = "AWSPREVIOUS";

    /**
     * The default {@link Builder#apiCallTimeout(Duration) deadline of a whole call} (every attempt and the waits
     * between them) on the client the source builds: 10 s.
     */
    public static final Duration DEFAULT_API_CALL_TIMEOUT = Duration.ofSeconds(10);

    /** The default {@link Builder#apiCallAttemptTimeout(Duration) deadline of one attempt} (one HTTP exchange): 5 s. */
    public static final Duration DEFAULT_API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    /** The most secrets {@code BatchGetSecretValue} reads in one call. */
    public static final int BATCH_SIZE = 20;

    private static final Logger LOG = LoggerFactory.getLogger(AwsSecretsManagerSource.class);
    private static final int MAX_BATCH_PAGES = 10;
    private static final int MAX_REMEMBERED = 4096;
    /** How long a description read by a probe serves the fetch that follows it. */
    private static final Duration DESCRIBED_FRESH = Duration.ofSeconds(5);

    private final String name;
    private final Supplier<SecretsManagerClient> clientFactory;
    /** Builds the STS client that asks who the application is; null when the builder turned that off. */
    private final Function<SecretsManagerClient, StsClient> stsFactory;

    private final boolean ownsClient;
    /** The deadline of a whole call on the client this source builds; null for a client of the user's. */
    private final Duration apiCallTimeout;

    private final boolean rotateOnCompromise;
    private final boolean describe;
    private final Duration rotationCheckInterval;
    private final Set<SourceCapability> capabilities;
    private final Map<SecretRef, Described> described = new ConcurrentHashMap<>();
    private final Object clientLock = new Object();
    private volatile SecretsManagerClient client;
    private volatile TimeSource time = TimeSource.system();
    private volatile boolean closed;

    private AwsSecretsManagerSource(Builder b) {
        this.name = b.name;
        this.rotateOnCompromise = b.rotateOnCompromise;
        this.describe = b.describe;
        this.rotationCheckInterval = b.rotationCheckInterval;
        if (b.client != null) {
            SecretsManagerClient given = b.client;
            this.clientFactory = () -> given;
            this.ownsClient = false;
            this.apiCallTimeout = null;
        } else {
            Region region = b.region;
            URI endpoint = b.endpointOverride;
            AwsCredentialsProvider credentials = b.credentialsProvider;
            Duration callTimeout = b.effectiveApiCallTimeout();
            Duration attemptTimeout = b.effectiveApiCallAttemptTimeout();
            this.clientFactory = () -> defaultClient(region, endpoint, credentials, callTimeout, attemptTimeout);
            this.ownsClient = true;
            this.apiCallTimeout = callTimeout;
        }
        Duration stsCallTimeout = b.effectiveApiCallTimeout();
        Duration stsAttemptTimeout = b.effectiveApiCallAttemptTimeout();
        this.stsFactory = !b.callerIdentity
                ? null
                : sm -> stsClient(sm.serviceClientConfiguration(), stsCallTimeout, stsAttemptTimeout);
        EnumSet<SourceCapability> caps = EnumSet.of(SourceCapability.FETCH_ALL);
        if (describe) {
            caps.add(SourceCapability.PROBE_VERSION);
            caps.add(SourceCapability.ALTERNATES);
        }
        if (rotateOnCompromise) {
            caps.add(SourceCapability.ROTATE);
        }
        this.capabilities = Set.copyOf(caps);
    }

    /** A source with every default: the default credentials chain and region, built on first use. */
    public static AwsSecretsManagerSource create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String scheme() {
        return SCHEME;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<SourceCapability> capabilities() {
        return capabilities;
    }

    @Override
    public Set<String> parameters() {
        return Set.of(STAGE, VERSION_ID);
    }

    @Override
    public void start(SourceContext context) {
        this.time = context.timeSource();
        Duration loadTimeout = context.refreshPolicy().loadTimeout();
        if (apiCallTimeout != null && loadTimeout != null && apiCallTimeout.compareTo(loadTimeout) >= 0) {
            LOG.warn(
                    "apiCallTimeout {} of source {} is not below the engine's loadTimeout {}: a call may go on after"
                            + " the read waiting for it was released; set apiCallTimeout below loadTimeout",
                    apiCallTimeout,
                    name,
                    loadTimeout);
        }
    }

    /**
     * An SDK interceptor that keeps the service's error messages out of SDK exceptions and out of the SDK's own debug
     * logging (which prints the message of every failed attempt): error answers reach the SDK with their error type
     * only. The client this source builds has it; add it to a client you pass in:
     *
     * <pre>{@code
     * SecretsManagerClient.builder()
     *         .overrideConfiguration(c -> c.addExecutionInterceptor(AwsSecretsManagerSource.errorMessageRedactor()))
     *         .build();
     * }</pre>
     */
    public static ExecutionInterceptor errorMessageRedactor() {
        return new ErrorMessageRedactor();
    }

    /**
     * An SDK interceptor that caps the size of every successful answer from the service's documented limits, before
     * the SDK reads it: 512 KiB for {@code GetSecretValue} (one value of at most 64 KiB, JSON-escaped, and its
     * metadata), 10 MiB and 64 KiB for {@code BatchGetSecretValue} (20 of them), 256 KiB for any other operation. A
     * larger answer fails the call with a {@link dev.rotor.secrets.SecretFormatException} that names the ref and the
     * source, never the body; the version already held stays in service. The client this source builds has it; add it
     * to a client you pass in:
     *
     * <pre>{@code
     * SecretsManagerClient.builder()
     *         .overrideConfiguration(c -> c.addExecutionInterceptor(AwsSecretsManagerSource.errorMessageRedactor())
     *                 .addExecutionInterceptor(AwsSecretsManagerSource.responseSizeLimit()))
     *         .build();
     * }</pre>
     */
    public static ExecutionInterceptor responseSizeLimit() {
        return new ResponseSizeLimit();
    }

    /** Whether this source calls {@code RotateSecret} when a secret is reported compromised. */
    public boolean rotatesOnCompromise() {
        return rotateOnCompromise;
    }

    /** How soon the probe looks again while a rotation is under way. */
    public Duration rotationCheckInterval() {
        return rotationCheckInterval;
    }

    // ---- fetch ----

    @Override
    public Secret fetch(FetchRequest request) {
        SecretRef ref = request.ref();
        Selector selector = selector(ref);
        Described d = null;
        if (describe && selector.versionId == null) {
            d = takeDescribed(ref);
            if (d == null) {
                d = describe(ref);
            }
        }
        GetSecretValueResponse r = get(ref, selector.stage, selector.versionId);
        Secret.Builder b =
                secretBuilder(ref, r.versionId(), r.versionStages(), r.secretString(), r.secretBinary(), r.arn());
        if (d != null) {
            if (d.nextRotation != null) {
                b.nextRotation(d.nextRotation);
            }
            if (d.rotating() && r.versionId() != null && r.versionId().equals(d.versionWith(AWSCURRENT))) {
                b.checkAgainAt(time.now().plus(rotationCheckInterval));
            }
        }
        if (d != null && d.lastRotated != null) {
            b.attribute("lastRotatedDate", d.lastRotated.toString());
        }
        return b.build();
    }

    // ---- change detection ----

    @Override
    public Optional<String> probeVersion(SecretRef ref) {
        return probe(ref).map(VersionProbe::version);
    }

    @Override
    public Optional<VersionProbe> probe(SecretRef ref) {
        if (!describe) {
            return Optional.empty();
        }
        Selector selector = selector(ref);
        if (selector.versionId != null) {
            // a version's value never changes: nothing to ask
            return Optional.of(VersionProbe.of(selector.versionId));
        }
        Described d = describe(ref);
        String version = d.versionWith(selector.stage);
        if (version == null) {
            throw new SecretNotFoundException("no version has stage " + selector.stage, ref, name);
        }
        if (described.size() >= MAX_REMEMBERED) {
            described.clear(); // refs evicted by the engine never fetch again: do not let them pile up
        }
        described.put(ref, d);
        // A rotation under way is looked at again soon; the next rotation date goes to the engine as such, which
        // spreads the look after it over the fleet (a checkAgainAt at the date would bring every instance at once).
        VersionProbe answer = d.rotating()
                ? VersionProbe.of(version, time.now().plus(rotationCheckInterval))
                : VersionProbe.of(version);
        return Optional.of(answer.withNextRotation(d.nextRotation));
    }

    // ---- rotation windows ----

    @Override
    public List<Secret> alternates(SecretRef ref) {
        if (!describe) {
            return List.of();
        }
        Selector selector = selector(ref);
        Described d = describe(ref);
        String current = d.versionWith(AWSCURRENT);
        String selected = selector.versionId != null ? selector.versionId : d.versionWith(selector.stage);
        List<String> wanted = new ArrayList<>();
        String pending = d.versionWith(AWSPENDING);
        if (pending != null && !pending.equals(current) && !pending.equals(selected)) {
            wanted.add(pending);
        }
        String previous = d.versionWith(AWSPREVIOUS);
        if (previous != null && !previous.equals(selected) && !wanted.contains(previous)) {
            wanted.add(previous);
        }
        List<Secret> out = new ArrayList<>();
        for (String versionId : wanted) {
            GetSecretValueResponse r;
            try {
                r = get(ref, null, versionId);
            } catch (SecretNotFoundException e) {
                // the rotation finished or the version was removed between the two calls
                LOG.debug("Alternate version {} of {} is gone; skipped", versionId, ref);
                continue;
            }
            out.add(toSecret(ref, r.versionId(), r.versionStages(), r.secretString(), r.secretBinary(), r.arn(), null));
        }
        return List.copyOf(out);
    }

    // ---- batch ----

    @Override
    public Map<SecretRef, Secret> fetchAll(Collection<SecretRef> refs) {
        // BatchGetSecretValue reads AWSCURRENT only: refs with a stage or a version are fetched singly by the engine
        Map<String, List<SecretRef>> byId = new LinkedHashMap<>();
        for (SecretRef ref : refs) {
            SecretRef base = ref.withoutField();
            if (base.parameters().isEmpty()) {
                byId.computeIfAbsent(base.path(), k -> new ArrayList<>()).add(base);
            }
        }
        List<String> ids = new ArrayList<>(byId.keySet());
        Map<SecretRef, Secret> out = new LinkedHashMap<>();
        for (int from = 0; from < ids.size(); from += BATCH_SIZE) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + BATCH_SIZE));
            try {
                batch(chunk, byId, out);
            } catch (SecretException e) {
                if (out.isEmpty()
                        && !(e instanceof SecretAccessDeniedException)
                        && !(e instanceof SecretFormatException)) {
                    throw e;
                }
                // what was read stays read; the engine fetches the rest one by one
                LOG.debug(
                        "BatchGetSecretValue on {} failed ({}); the rest is fetched singly",
                        name,
                        e.getClass().getSimpleName());
                return out;
            }
        }
        return out;
    }

    private void batch(List<String> chunk, Map<String, List<SecretRef>> byId, Map<SecretRef, Secret> out) {
        String token = null;
        for (int page = 0; page < MAX_BATCH_PAGES; page++) {
            String t = token;
            BatchGetSecretValueResponse r = call(
                    "BatchGetSecretValue",
                    null,
                    c -> c.batchGetSecretValue(b -> {
                        b.secretIdList(chunk);
                        if (t != null) {
                            b.nextToken(t);
                        }
                    }));
            for (SecretValueEntry e : r.secretValues()) {
                Set<SecretRef> matched = new LinkedHashSet<>();
                matched.addAll(byId.getOrDefault(e.name(), List.of()));
                matched.addAll(byId.getOrDefault(e.arn(), List.of()));
                for (SecretRef ref : matched) {
                    out.put(
                            ref,
                            toSecret(
                                    ref,
                                    e.versionId(),
                                    e.versionStages(),
                                    e.secretString(),
                                    e.secretBinary(),
                                    e.arn(),
                                    null));
                }
            }
            for (APIErrorType err : r.errors()) {
                LOG.debug(
                        "BatchGetSecretValue on {} left out secret {} ({}); it is fetched singly",
                        name,
                        err.secretId(),
                        err.errorCode());
            }
            token = r.nextToken();
            if (token == null || token.isEmpty()) {
                return;
            }
        }
    }

    // ---- rotate ----

    /**
     * Asks AWS to rotate now ({@code RotateSecret} with {@code RotateImmediately}) and answers the version in service
     * afterwards. The rotation function runs on its own: its new version becomes {@code AWSCURRENT} some seconds
     * later, and the answer asks the engine to look again after {@link Builder#rotationCheckInterval(Duration)}.
     *
     * @throws SecretConfigurationException (not retryable) when the store refuses: the message says whether the
     *     secret has no rotation function or a rotation is already under way (or the secret is scheduled for deletion)
     */
    @Override
    public Secret rotate(SecretRef ref) {
        if (!rotateOnCompromise) {
            throw new SecretConfigurationException(
                    "rotation on compromise is off; enable it with rotateOnCompromise(true)", ref, name);
        }
        Selector selector = selector(ref);
        if (selector.versionId != null) {
            throw new SecretConfigurationException("a ref pinned to a versionId cannot be rotated", ref, name);
        }
        RotateSecretResponse rotated;
        SecretsManagerClient c = client(ref);
        try {
            rotated = c.rotateSecret(b -> b.secretId(ref.path()).rotateImmediately(true));
        } catch (AwsServiceException e) {
            if ("InvalidRequestException".equals(AwsErrors.errorCode(e))) {
                throw rotationRefused(ref.withoutField(), e);
            }
            throw AwsErrors.map(e, "RotateSecret", ref, name, time.now());
        } catch (RuntimeException e) {
            throw AwsErrors.map(e, "RotateSecret", ref, name, time.now());
        }
        described.remove(ref);
        Secret now = fetch(FetchRequest.of(ref, dev.rotor.secrets.spi.FetchReason.COMPROMISED));
        if (rotated.versionId() != null && !rotated.versionId().equals(now.version())) {
            Secret answer = now.newBuilder()
                    .checkAgainAt(time.now().plus(rotationCheckInterval))
                    .build();
            now.wipe();
            return answer;
        }
        return now;
    }

    /**
     * Why the store refused {@code RotateSecret} ({@code InvalidRequestException}), told from the secret's description
     * rather than from the service's message (which the client may have withheld, and which is never echoed): a secret
     * marked for deletion, no rotation function configured, or, with a function configured, a rotation already under
     * way (the reference's other cause; its {@code AWSPENDING} version may not exist yet when the function has not run
     * its first step). Not retryable: the engine reads the secret again instead.
     */
    private SecretConfigurationException rotationRefused(SecretRef ref, AwsServiceException refused) {
        DescribeSecretResponse d;
        try {
            d = call("DescribeSecret", ref, c -> c.describeSecret(b -> b.secretId(ref.path())));
        } catch (SecretException e) {
            LOG.debug(
                    "Could not describe {} after RotateSecret was refused ({})",
                    ref,
                    e.getClass().getSimpleName());
            return new SecretConfigurationException(
                    "RotateSecret was refused: either the secret has no rotation function (configure a rotation"
                            + " function for the secret) or a rotation is already under way (it will finish or be"
                            + " retried by the store)",
                    ref,
                    name,
                    refused);
        }
        if (d.deletedDate() != null) {
            return new SecretConfigurationException(
                    "RotateSecret was refused: the secret is scheduled for deletion (restore it with RestoreSecret or"
                            + " stop using it)",
                    ref,
                    name,
                    refused);
        }
        if (d.rotationLambdaARN() == null || d.rotationLambdaARN().isEmpty()) {
            return new SecretConfigurationException(
                    "RotateSecret was refused: the secret has no rotation function; configure a rotation function for"
                            + " the secret",
                    ref,
                    name,
                    refused);
        }
        return new SecretConfigurationException(
                "RotateSecret was refused: a rotation is already under way; it will finish or be retried by the store",
                ref,
                name,
                refused);
    }

    @Override
    public void close() {
        closed = true;
        described.clear();
        SecretsManagerClient c;
        synchronized (clientLock) {
            c = client;
            client = null;
        }
        if (c != null && ownsClient) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "AwsSecretsManagerSource{name=" + name + ", describe=" + describe + ", rotateOnCompromise="
                + rotateOnCompromise + ", rotationCheckInterval=" + rotationCheckInterval + "}";
    }

    // ---- internals ----

    /** What a ref asks for: a stage (AWSCURRENT unless said) or a version id. */
    private static final class Selector {
        final String stage;
        final String versionId;

        Selector(String stage, String versionId) {
            this.stage = stage;
            this.versionId = versionId;
        }
    }

    private Selector selector(SecretRef ref) {
        String stage = ref.parameter(STAGE).orElse(null);
        String versionId = ref.parameter(VERSION_ID).orElse(null);
        if (stage != null && versionId != null) {
            throw new SecretConfigurationException(
                    "name either a stage or a versionId, not both", ref.withoutField(), name);
        }
        return new Selector(versionId == null && stage == null ? AWSCURRENT : stage, versionId);
    }

    /** The parts of a {@code DescribeSecret} answer this source uses. */
    private static final class Described {
        final Instant at;
        final Map<String, List<String>> versionsToStages;
        final Instant nextRotation;
        final Instant lastRotated;

        Described(Instant at, Map<String, List<String>> versionsToStages, Instant nextRotation, Instant lastRotated) {
            this.at = at;
            this.versionsToStages = versionsToStages;
            this.nextRotation = nextRotation;
            this.lastRotated = lastRotated;
        }

        String versionWith(String stage) {
            for (Map.Entry<String, List<String>> e : versionsToStages.entrySet()) {
                if (e.getValue() != null && e.getValue().contains(stage)) {
                    return e.getKey();
                }
            }
            return null;
        }

        boolean rotating() {
            String pending = versionWith(AWSPENDING);
            return pending != null && !pending.equals(versionWith(AWSCURRENT));
        }
    }

    private Described describe(SecretRef ref) {
        SecretRef base = ref.withoutField();
        DescribeSecretResponse r = call("DescribeSecret", base, c -> c.describeSecret(b -> b.secretId(base.path())));
        if (r.deletedDate() != null) {
            // deleted, as every store's soft delete is to the application: not found, with how to undo it
            throw new SecretNotFoundException(
                    "the secret is scheduled for deletion (restore it with RestoreSecret or stop using it)",
                    base,
                    name);
        }
        return new Described(time.now(), Map.copyOf(r.versionIdsToStages()), r.nextRotationDate(), r.lastRotatedDate());
    }

    /** The description a probe just read, if it is fresh enough to serve the fetch that follows. */
    private Described takeDescribed(SecretRef ref) {
        Described d = described.remove(ref);
        if (d == null) {
            return null;
        }
        Duration age = Duration.between(d.at, time.now());
        return age.isNegative() || age.compareTo(DESCRIBED_FRESH) > 0 ? null : d;
    }

    private GetSecretValueResponse get(SecretRef ref, String stage, String versionId) {
        GetSecretValueRequest.Builder b = GetSecretValueRequest.builder().secretId(ref.path());
        if (versionId != null) {
            b.versionId(versionId);
        } else if (stage != null && !AWSCURRENT.equals(stage)) {
            b.versionStage(stage);
        }
        GetSecretValueRequest request = b.build();
        return call("GetSecretValue", ref.withoutField(), c -> c.getSecretValue(request));
    }

    private Secret toSecret(
            SecretRef ref,
            String versionId,
            List<String> stages,
            String string,
            SdkBytes binary,
            String arn,
            Instant nextRotation) {
        Secret.Builder b = secretBuilder(ref, versionId, stages, string, binary, arn);
        if (nextRotation != null) {
            b.nextRotation(nextRotation);
        }
        return b.build();
    }

    private Secret.Builder secretBuilder(
            SecretRef ref, String versionId, List<String> stages, String string, SdkBytes binary, String arn) {
        SecretRef base = ref.withoutField();
        if (versionId == null || versionId.isEmpty()) {
            throw new dev.rotor.secrets.SecretFormatException("the answer has no VersionId", base, name);
        }
        Secret.Builder b = Secret.builder(base).version(versionId).fetchedAt(time.now());
        SecretContent.apply(b, string, binary == null ? null : binary.asByteArray(), base, name);
        if (stages != null) {
            b.stages(stages);
        }
        if (arn != null) {
            b.attribute("arn", arn);
        }
        return b;
    }

    private interface Call<T> {
        T on(SecretsManagerClient client);
    }

    private <T> T call(String operation, SecretRef ref, Call<T> call) {
        SecretsManagerClient c = client(ref);
        try {
            return call.on(c);
        } catch (RuntimeException e) {
            throw AwsErrors.map(e, operation, ref, name, time.now());
        }
    }

    /** The client in use, built now if need be; for this package's tests of the built client's configuration. */
    SecretsManagerClient sdkClient() {
        return client(null);
    }

    private SecretsManagerClient client(SecretRef ref) {
        SecretsManagerClient c = client;
        if (c != null) {
            return c;
        }
        synchronized (clientLock) {
            if (closed) {
                throw new SecretConfigurationException("source is closed", ref, name);
            }
            if (client == null) {
                try {
                    client = clientFactory.get();
                } catch (RuntimeException e) {
                    throw new SecretConfigurationException(
                            "could not build the AWS Secrets Manager client ("
                                    + e.getClass().getSimpleName()
                                    + "); set a region (AWS_REGION, aws.region, a profile, or region(...))",
                            ref,
                            name,
                            e);
                }
            }
            return client;
        }
    }

    /**
     * Who the application is to AWS, for audit records: the caller STS {@code GetCallerIdentity} names (ARN as
     * principal, role and session of an assumed role, account and user id), asked once through an STS client with the
     * Secrets Manager client's region, credentials and endpoint override, and closed after the call. Empty when
     * {@link Builder#callerIdentity(boolean)} turned it off. A refusal is a {@link SecretAccessDeniedException}, any
     * other failure a {@link SourceUnavailableException}; neither fails a read.
     */
    @Override
    public Optional<SourceIdentity> identity() {
        if (stsFactory == null) {
            return Optional.empty();
        }
        SecretsManagerClient sm = client(null);
        try (StsClient sts = stsFactory.apply(sm)) {
            GetCallerIdentityResponse r = sts.getCallerIdentity();
            return Optional.of(CallerIdentity.of(r.arn(), r.account(), r.userId()));
        } catch (AwsServiceException e) {
            String code =
                    e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String what = "STS GetCallerIdentity failed (" + (code != null ? code : "HTTP " + e.statusCode()) + ")";
            if (e.statusCode() == 403 || "AccessDenied".equals(code)) {
                throw new SecretAccessDeniedException(what, null, name);
            }
            throw new SourceUnavailableException(what, null, name);
        } catch (SdkException e) {
            throw new SourceUnavailableException(
                    "STS GetCallerIdentity failed (" + e.getClass().getSimpleName() + ")", null, name);
        }
    }

    private static StsClient stsClient(
            SecretsManagerServiceClientConfiguration sm, Duration callTimeout, Duration attemptTimeout) {
        StsClientBuilder b = StsClient.builder()
                .httpClientBuilder(ApacheHttpClient.builder())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.standardRetryStrategy())
                        .apiCallTimeout(callTimeout)
                        .apiCallAttemptTimeout(attemptTimeout));
        if (sm.region() != null) {
            b.region(sm.region());
        }
        sm.endpointOverride().ifPresent(b::endpointOverride);
        if (sm.credentialsProvider() != null) {
            b.credentialsProvider(sm.credentialsProvider());
        }
        return b.build();
    }

    private static SecretsManagerClient defaultClient(
            Region region,
            URI endpoint,
            AwsCredentialsProvider credentials,
            Duration callTimeout,
            Duration attemptTimeout) {
        SecretsManagerClientBuilder b = SecretsManagerClient.builder()
                .httpClientBuilder(ApacheHttpClient.builder())
                // the SDK's standard mode, named rather than left to AWS_RETRY_MODE or a profile: up to 3 attempts,
                // throttled ones backed off from 1 s, all within apiCallTimeout; then the engine's own wait takes over
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.standardRetryStrategy())
                        .apiCallTimeout(callTimeout)
                        .apiCallAttemptTimeout(attemptTimeout)
                        .addExecutionInterceptor(errorMessageRedactor())
                        .addExecutionInterceptor(responseSizeLimit()));
        if (region != null) {
            b.region(region);
        }
        if (endpoint != null) {
            b.endpointOverride(endpoint);
        }
        if (credentials != null) {
            b.credentialsProvider(credentials);
        }
        return b.build();
    }

    /**
     * Builds an {@link AwsSecretsManagerSource}. Either {@link #client(SecretsManagerClient)} or the options the source
     * uses to build its own client ({@link #region}, {@link #endpointOverride}, {@link #credentialsProvider}, {@link
     * #apiCallTimeout}, {@link #apiCallAttemptTimeout}, {@link #allowInsecureHttp}), not both: {@link #build()} names
     * the conflict. Not thread-safe.
     */
    public static final class Builder {
        private String name = SCHEME;
        private SecretsManagerClient client;
        private Region region;
        private URI endpointOverride;
        private AwsCredentialsProvider credentialsProvider;
        private boolean rotateOnCompromise;
        private boolean describe = true;
        private Duration rotationCheckInterval = Duration.ofSeconds(15);
        private Duration apiCallTimeout;
        private Duration apiCallAttemptTimeout;
        private boolean allowInsecureHttp;
        private boolean callerIdentity = true;

        private Builder() {}

        /** The name in logs, events and metrics (default {@code aws-sm}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Your own configured client; the source uses it as is and never closes it. Its timeouts, retries and
         * interceptors stay yours: set {@code apiCallTimeout} and {@code apiCallAttemptTimeout} on it, and add {@link
         * AwsSecretsManagerSource#errorMessageRedactor()} and {@link AwsSecretsManagerSource#responseSizeLimit()}.
         */
        public Builder client(SecretsManagerClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /** The region of the client the source builds (default: the SDK's region chain, on first use). */
        public Builder region(Region region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /**
         * Another endpoint for the client the source builds: a VPC endpoint, a test server. It must be {@code https},
         * or plain {@code http} to a loopback host ({@code localhost}, {@code 127.0.0.0/8}, {@code ::1}) unless {@link
         * #allowInsecureHttp(boolean)} allows it for any host; {@link #build()} refuses anything else.
         */
        public Builder endpointOverride(URI endpoint) {
            this.endpointOverride = Objects.requireNonNull(endpoint, "endpointOverride");
            return this;
        }

        /**
         * Allows an {@link #endpointOverride(URI)} with plain {@code http://} to a host that is not loopback (default
         * false: refused at {@link #build()}). Requests are signed, but values travel in clear text.
         */
        public Builder allowInsecureHttp(boolean allow) {
            this.allowInsecureHttp = allow;
            return this;
        }

        /**
         * The deadline of a whole call on the client the source builds: every attempt, the SDK's retries and the
         * waits between them (default {@link AwsSecretsManagerSource#DEFAULT_API_CALL_TIMEOUT 10 s}). A call still running at the deadline,
         * one that trickles its answer a byte at a time included, is cut and fails with a retryable {@link
         * dev.rotor.secrets.SourceUnavailableException}. Keep it below the engine's {@code loadTimeout} (30 s by
         * default), so that no call goes on after the reader waiting for it has given up.
         */
        public Builder apiCallTimeout(Duration timeout) {
            this.apiCallTimeout = Objects.requireNonNull(timeout, "apiCallTimeout");
            return this;
        }

        /**
         * The deadline of one attempt (one HTTP exchange, the whole answer read) on the client the source builds
         * (default {@link AwsSecretsManagerSource#DEFAULT_API_CALL_ATTEMPT_TIMEOUT 5 s}, and never more than {@link #apiCallTimeout}): a stuck
         * attempt is cut in time for the SDK to try once more within the call.
         */
        public Builder apiCallAttemptTimeout(Duration timeout) {
            this.apiCallAttemptTimeout = Objects.requireNonNull(timeout, "apiCallAttemptTimeout");
            return this;
        }

        private Duration effectiveApiCallTimeout() {
            return apiCallTimeout != null ? apiCallTimeout : DEFAULT_API_CALL_TIMEOUT;
        }

        private Duration effectiveApiCallAttemptTimeout() {
            if (apiCallAttemptTimeout != null) {
                return apiCallAttemptTimeout;
            }
            Duration call = effectiveApiCallTimeout();
            return DEFAULT_API_CALL_ATTEMPT_TIMEOUT.compareTo(call) > 0 ? call : DEFAULT_API_CALL_ATTEMPT_TIMEOUT;
        }

        /** The credentials of the client the source builds (default: the SDK's default credentials chain). */
        public Builder credentialsProvider(AwsCredentialsProvider credentials) {
            this.credentialsProvider = Objects.requireNonNull(credentials, "credentialsProvider");
            return this;
        }

        /**
         * Whether {@code Secrets.compromised(ref)} asks AWS to rotate the secret now ({@code RotateSecret}; needs a
         * rotation function on the secret and {@code secretsmanager:RotateSecret}). Default false: a compromised
         * secret is only read again.
         */
        public Builder rotateOnCompromise(boolean rotate) {
            this.rotateOnCompromise = rotate;
            return this;
        }

        /**
         * Whether to call {@code DescribeSecret} (default true): cheap change detection, rotation dates and rotation
         * windows. Turn it off for a caller without {@code secretsmanager:DescribeSecret}; then every poll reads the
         * value and {@code alternates} is empty.
         */
        public Builder describeSecrets(boolean describe) {
            this.describe = describe;
            return this;
        }

        /** How soon to look again while a rotation is under way (default 15 s). */
        public Builder rotationCheckInterval(Duration interval) {
            this.rotationCheckInterval = Objects.requireNonNull(interval, "rotationCheckInterval");
            return this;
        }

        /**
         * Whether to ask STS {@code GetCallerIdentity} once who the application is, for the {@code who} of audit
         * records (default true). It needs no IAM permission; turn it off where STS cannot be reached (a private
         * network with a Secrets Manager endpoint only), and the records say the identity is unsupported.
         */
        public Builder callerIdentity(boolean ask) {
            this.callerIdentity = ask;
            return this;
        }

        public AwsSecretsManagerSource build() {
            if (name == null || name.isBlank()) {
                throw new SecretConfigurationException("name must not be blank", null, null);
            }
            if (rotationCheckInterval.isNegative() || rotationCheckInterval.isZero()) {
                throw new SecretConfigurationException(
                        "rotationCheckInterval must be positive, was " + rotationCheckInterval, null, name);
            }
            if (client != null) {
                List<String> conflicting = new ArrayList<>();
                if (region != null) {
                    conflicting.add("region");
                }
                if (endpointOverride != null) {
                    conflicting.add("endpointOverride");
                }
                if (credentialsProvider != null) {
                    conflicting.add("credentialsProvider");
                }
                if (apiCallTimeout != null) {
                    conflicting.add("apiCallTimeout");
                }
                if (apiCallAttemptTimeout != null) {
                    conflicting.add("apiCallAttemptTimeout");
                }
                if (allowInsecureHttp) {
                    conflicting.add("allowInsecureHttp");
                }
                if (!conflicting.isEmpty()) {
                    throw new SecretConfigurationException(
                            "client conflicts with " + String.join(", ", conflicting)
                                    + ": configure those on your client, or leave client unset",
                            null,
                            name);
                }
            }
            positive("apiCallTimeout", apiCallTimeout);
            positive("apiCallAttemptTimeout", apiCallAttemptTimeout);
            if (effectiveApiCallAttemptTimeout().compareTo(effectiveApiCallTimeout()) > 0) {
                throw new SecretConfigurationException(
                        "apiCallAttemptTimeout (" + effectiveApiCallAttemptTimeout()
                                + ") must not be longer than apiCallTimeout (" + effectiveApiCallTimeout() + ")",
                        null,
                        name);
            }
            if (endpointOverride != null) {
                checkEndpoint();
            }
            return new AwsSecretsManagerSource(this);
        }

        private void positive(String option, Duration d) {
            if (d != null && (d.isNegative() || d.isZero())) {
                throw new SecretConfigurationException(option + " must be positive, was " + d, null, name);
            }
        }

        private void checkEndpoint() {
            String scheme = endpointOverride.getScheme();
            String host = endpointOverride.getHost();
            if (scheme == null || host == null || host.isEmpty()) {
                throw new SecretConfigurationException(
                        "endpointOverride must be an absolute https URI with a host", null, name);
            }
            if (endpointOverride.getRawUserInfo() != null
                    || endpointOverride.getRawQuery() != null
                    || endpointOverride.getRawFragment() != null) {
                throw new SecretConfigurationException(
                        "endpointOverride must not hold credentials, a query or a fragment", null, name);
            }
            if (scheme.equalsIgnoreCase("https")) {
                return;
            }
            if (!scheme.equalsIgnoreCase("http")) {
                throw new SecretConfigurationException(
                        "endpointOverride must use https (or http to loopback), not " + scheme, null, name);
            }
            if (!allowInsecureHttp && !isLoopback(host)) {
                throw new SecretConfigurationException(
                        "endpointOverride uses plain http to a host that is not loopback; use https, or"
                                + " allowInsecureHttp(true) to send values in clear text",
                        null,
                        name);
            }
        }

        /** Loopback by its literal form only ({@code localhost}, 127.0.0.0/8, ::1): no name is resolved here. */
        static boolean isLoopback(String host) {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (h.equalsIgnoreCase("localhost")) {
                return true;
            }
            if (h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
                String[] octets = h.split("\\.");
                for (String o : octets) {
                    if (Integer.parseInt(o) > 255) {
                        return false;
                    }
                }
                return Integer.parseInt(octets[0]) == 127;
            }
            if (h.contains(":") && h.matches("[0-9A-Fa-f:.]+")) {
                try {
                    // a literal IPv6 address: parsed, never looked up
                    return java.net.InetAddress.getByName(h).isLoopbackAddress();
                } catch (java.net.UnknownHostException e) {
                    return false;
                }
            }
            return false;
        }
    }
}
