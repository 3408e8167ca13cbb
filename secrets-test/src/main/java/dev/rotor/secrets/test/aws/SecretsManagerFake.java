package dev.rotor.secrets.test.aws;

import com.sun.net.httpserver.HttpServer;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.test.aws.FakeStore.StoredSecret;
import dev.rotor.secrets.test.aws.FakeStore.StoredVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful AWS Secrets Manager on {@code 127.0.0.1} and a free port, for tests without Docker or an AWS account.
 * It speaks the AWS JSON 1.1 protocol the AWS SDK v2 uses, so the real SDK client talks to it through {@code
 * endpointOverride} with any static credentials and region (signatures are accepted, never verified); it needs
 * neither the SDK nor anything but the JDK's HTTP server and Jackson itself.
 *
 * <pre>{@code
 * ManualScheduler scheduler = new ManualScheduler();
 * try (SecretsManagerFake aws = SecretsManagerFake.builder().scheduler(scheduler).start()) {
 *     String v1 = aws.createSecret("prod/db", "{\"username\":\"app\",\"password\":\"p1\"}");
 *     aws.enableRotation("prod/db", RotationFunction.generating(old -> "{\"username\":\"app\",\"password\":\"p2\"}"));
 *     SecretsManagerClient client = SecretsManagerClient.builder()
 *             .endpointOverride(aws.endpoint())
 *             .region(Region.US_EAST_1)
 *             .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
 *             .build();
 *     client.rotateSecret(b -> b.secretId("prod/db"));   // answers at once; AWSPENDING appears after one step delay
 *     scheduler.advance(Duration.ofSeconds(4));          // createSecret, setSecret, testSecret, finishSecret ran
 * }
 * }</pre>
 *
 * <p><b>What it models</b>, from the Secrets Manager API reference: {@code CreateSecret}, {@code PutSecretValue} (a new
 * version takes {@code AWSCURRENT} unless other labels are given, the old current version becomes {@code AWSPREVIOUS};
 * a repeated {@code ClientRequestToken} is idempotent), {@code GetSecretValue} (by {@code VersionStage}, by {@code
 * VersionId}, {@code AWSCURRENT} by default), {@code DescribeSecret}, {@code UpdateSecretVersionStage}, {@code
 * BatchGetSecretValue} (by {@code SecretIdList}, with {@code Errors} per id), {@code ListSecrets}, {@code DeleteSecret}
 * (a recovery window of 7 to 30 days, 30 by default, or {@code ForceDeleteWithoutRecovery}; a secret marked for
 * deletion refuses reads with {@code InvalidRequestException}), {@code RestoreSecret} and {@code RotateSecret} with a
 * {@link RotationFunction} written in Java, registered under a Lambda ARN ({@link #rotationFunction}) or enabled on a
 * secret at once ({@link #enableRotation}). A secret id is its name or its full ARN.
 *
 * <p><b>Time.</b> Dates come from the {@link Builder#timeSource(TimeSource) time source} and rotation steps run on
 * the {@link Builder#scheduler(Scheduler) scheduler}: give it the test kit's {@code ManualScheduler} and a rotation's
 * steps run when the test advances time, one {@link Builder#rotationStepDelay(Duration) step delay} apart, so the
 * window while {@code AWSPENDING} differs from {@code AWSCURRENT} can be observed. Without one, the system clock and
 * a daemon thread.
 *
 * <p><b>Faults.</b> {@link #throttle}, {@link #failInternally}, {@link #denyAccess}, {@link #denyOperation} and {@link
 * #slow} answer as the service does when it throttles ({@code ThrottlingException}, 400), fails ({@code
 * InternalServiceError}, 500), denies ({@code AccessDeniedException}, 400) or is slow; {@link #drip} feeds the answer
 * a byte at a time, for a client's whole-call deadline. {@link #requests()} logs every
 * request (operation, secret id, status, error type; never a value), {@link #count} counts them.
 *
 * <p>The Java methods here act on the store directly, as the account's owner would: they meet no faults and are not
 * logged. Thread-safe; close it to stop the server.
 */
public final class SecretsManagerFake implements AutoCloseable {
    /** The staging label of the version in service. */
    public static final String AWSCURRENT = "AWSCURRENT";

    /** The staging label of the version a rotation is creating. */
    public static final String AWSPENDING = "AWSPENDING";

    /** The staging label of the version in service before the last change. */
    public static final String AWSPREVIOUS = "AWSPREVIOUS";

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ScheduledExecutorService ownScheduler;
    private final FakeStore store;
    private final Faults faults = new Faults();
    private final TimeSource time;
    private final List<FakeRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger functionNames = new AtomicInteger();
    private final Map<String, String> callers = new java.util.concurrent.ConcurrentHashMap<>();
    private final String defaultCaller;

    private SecretsManagerFake(Builder b) {
        Scheduler scheduler = b.scheduler;
        if (scheduler == null) {
            TimeSource t = b.timeSource != null ? b.timeSource : TimeSource.system();
            ownScheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "secrets-manager-fake-rotation"));
            scheduler = new ExecutorScheduler(ownScheduler, t);
        } else {
            ownScheduler = null;
        }
        this.time = b.timeSource != null ? b.timeSource : scheduler.timeSource();
        this.store = new FakeStore(time, scheduler, b.rotationStepDelay, b.region, b.accountId, b.seed);
        store.owner(this);
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open a local port for the Secrets Manager fake", e);
        }
        handlers = Executors.newFixedThreadPool(4, r -> daemon(r, "secrets-manager-fake-http"));
        server.setExecutor(handlers);
        this.defaultCaller = "arn:aws:iam::" + b.accountId + ":user/test";
        JsonProtocol json = new JsonProtocol(store, faults, time, requests::add);
        StsQueryProtocol sts = new StsQueryProtocol(
                faults,
                time,
                requests::add,
                key -> key == null ? defaultCaller : callers.getOrDefault(key, defaultCaller),
                b.accountId);
        server.createContext("/", exchange -> {
            if (StsQueryProtocol.accepts(exchange)) {
                sts.handle(exchange);
            } else {
                json.handle(exchange);
            }
        });
        server.start();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A fake on a free port with the system clock. */
    public static SecretsManagerFake start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The endpoint to give the SDK client's {@code endpointOverride}: {@code http://127.0.0.1:<port>}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * The caller STS {@code GetCallerIdentity} names for requests signed with {@code accessKeyId}: an IAM user's or
     * an assumed role's ARN, such as {@code arn:aws:sts::123456789012:assumed-role/orders/i-0abc}. The fake serves
     * that operation on its own port (the AWS Query protocol, as STS documents it), so an STS client given the same
     * {@code endpointOverride} learns who the Secrets Manager client calls as. Callers not set here are {@code
     * arn:aws:iam::<account>:user/test}. Faults apply to it only when set for the operation name {@code
     * GetCallerIdentity}: those set for every operation are Secrets Manager's.
     */
    public SecretsManagerFake caller(String accessKeyId, String arn) {
        callers.put(Objects.requireNonNull(accessKeyId, "accessKeyId"), Objects.requireNonNull(arn, "arn"));
        return this;
    }

    // ---- the store, as its owner sees it ----

    /** Creates a secret whose first version (labelled AWSCURRENT) holds this SecretString; answers its version id. */
    public String createSecret(String name, String secretString) {
        Objects.requireNonNull(secretString, "secretString");
        return store.create(name, null, null, secretString, null).withStage(AWSCURRENT).id;
    }

    /** Creates a secret whose first version (labelled AWSCURRENT) holds this SecretBinary; answers its version id. */
    public String createSecret(String name, byte[] secretBinary) {
        Objects.requireNonNull(secretBinary, "secretBinary");
        return store.create(name, null, null, null, secretBinary).withStage(AWSCURRENT).id;
    }

    /** The secret's full ARN (with the six random characters the service appends to the name). */
    public String arn(String secretId) {
        StoredSecret s = store.find(secretId);
        if (s == null) {
            throw SecretsManagerFakeException.notFound("Secrets Manager can't find the specified secret.");
        }
        return s.arn;
    }

    /** Puts a new version labelled AWSCURRENT (the old current one becomes AWSPREVIOUS); answers its version id. */
    public String putSecretValue(String secretId, String secretString) {
        return store.put(secretId, null, Objects.requireNonNull(secretString, "secretString"), null, null).id;
    }

    /**
     * Puts a new version under the version id {@code token} (32 to 64 characters; null for a random one) with these
     * labels (AWSCURRENT when none are given); the labels move from the versions that held them. Answers its id.
     */
    public String putSecretValue(String secretId, String token, String secretString, String... stages) {
        return store.put(secretId, token, Objects.requireNonNull(secretString, "secretString"), null, List.of(stages))
                .id;
    }

    /** Moves (or, with {@code moveToVersionId} null, removes) a staging label, as {@code UpdateSecretVersionStage}. */
    public void updateSecretVersionStage(
            String secretId, String stage, String moveToVersionId, String removeFromVersionId) {
        store.updateStage(secretId, stage, moveToVersionId, removeFromVersionId);
    }

    /** The versions that have staging labels, and their labels, as {@code DescribeSecret} lists them. */
    public Map<String, List<String>> versionIdsToStages(String secretId) {
        synchronized (store) {
            return store.describe(secretId).versionIdsToStages();
        }
    }

    /** The id of the version holding {@code stage}, if one does. */
    public Optional<String> versionWith(String secretId, String stage) {
        synchronized (store) {
            StoredVersion v = store.describe(secretId).withStage(stage);
            return Optional.ofNullable(v == null ? null : v.id);
        }
    }

    /** The SecretString of the version holding {@code stageOrVersionId} (a staging label or a version id). */
    public Optional<String> secretString(String secretId, String stageOrVersionId) {
        synchronized (store) {
            StoredSecret s = store.describe(secretId);
            StoredVersion v = s.versions.get(stageOrVersionId);
            if (v == null) {
                v = s.withStage(stageOrVersionId);
            }
            return Optional.ofNullable(v == null ? null : v.string);
        }
    }

    /** Marks the secret for deletion with the default recovery window (30 days), as {@code DeleteSecret}. */
    public void deleteSecret(String secretId) {
        store.delete(secretId, null, false);
    }

    /** Deletes the secret at once, without a recovery window. */
    public void forceDeleteSecret(String secretId) {
        store.delete(secretId, null, true);
    }

    /** Cancels a scheduled deletion, as {@code RestoreSecret}. */
    public void restoreSecret(String secretId) {
        store.restore(secretId);
    }

    /**
     * Registers {@code function} under a Lambda function ARN, for a {@code RotateSecret} call that names it in {@code
     * RotationLambdaARN}. A RotateSecret naming an ARN nothing is registered under is denied, as the service denies a
     * function it cannot invoke.
     */
    public void rotationFunction(String lambdaArn, RotationFunction function) {
        store.register(Objects.requireNonNull(lambdaArn, "lambdaArn"), Objects.requireNonNull(function, "function"));
    }

    /**
     * Turns rotation on for the secret with {@code function}, without rotating it (as {@code RotateSecret} with {@code
     * RotateImmediately=false}); answers the Lambda ARN the fake registered the function under.
     */
    public String enableRotation(String secretId, RotationFunction function) {
        return enableRotation(secretId, function, null);
    }

    /**
     * Turns rotation on with a schedule: {@code NextRotationDate} is {@code automaticallyAfterDays} (1 to 1000) from
     * now, and again from each completed rotation; the fake starts a rotation itself when its clock reaches that date.
     */
    public String enableRotation(String secretId, RotationFunction function, int automaticallyAfterDays) {
        return enableRotation(secretId, function, Integer.valueOf(automaticallyAfterDays));
    }

    private String enableRotation(String secretId, RotationFunction function, Integer automaticallyAfterDays) {
        String arn = store.lambdaArn("rotor-fake-rotation-" + functionNames.incrementAndGet());
        rotationFunction(arn, function);
        store.rotate(secretId, null, arn, automaticallyAfterDays, false);
        return arn;
    }

    /** Starts a rotation as {@code RotateSecret} does (without its faults); answers the new version's token. */
    public String rotateSecret(String secretId) {
        return store.rotate(secretId, null, null, null, true);
    }

    /** Whether a rotation of the secret is under way: its steps have not all run, or AWSPENDING is not on AWSCURRENT. */
    public boolean rotationInProgress(String secretId) {
        synchronized (store) {
            return store.describe(secretId).rotationInProgress();
        }
    }

    /** How many rotations of the secret ran all four steps. */
    public int completedRotations(String secretId) {
        synchronized (store) {
            return store.describe(secretId).rotations;
        }
    }

    /** How many rotations of the secret ended with a step that threw. */
    public int failedRotations(String secretId) {
        synchronized (store) {
            return store.describe(secretId).failedRotations;
        }
    }

    // ---- faults ----

    /** Answers {@code ThrottlingException} (400) to these operations (all when none is named) until {@link #clearFaults}. */
    public SecretsManagerFake throttle(String... operations) {
        faults.throttle(-1, operations);
        return this;
    }

    /** Answers {@code ThrottlingException} to the next {@code times} requests of these operations (all when none). */
    public SecretsManagerFake throttleNext(int times, String... operations) {
        faults.throttle(positive(times), operations);
        return this;
    }

    /**
     * Throttled answers ({@link #throttle}, {@link #throttleNext}) carry this {@code Retry-After} header until {@link
     * #clearFaults} (null: none). Secrets Manager itself sends none; a gateway or proxy in front of it may, in seconds
     * or as an HTTP date. Any printable ASCII value is sent as is, so that a client's handling of a malformed one can be
     * tested.
     */
    public SecretsManagerFake throttleRetryAfter(String value) {
        if (value != null && !value.matches("[ -~]*")) {
            throw new IllegalArgumentException("retryAfter must be printable ASCII");
        }
        faults.throttleRetryAfter(value);
        return this;
    }

    /** Answers {@code InternalServiceError} (500) to these operations (all when none) until {@link #clearFaults}. */
    public SecretsManagerFake failInternally(String... operations) {
        faults.fail(-1, operations);
        return this;
    }

    /** Answers {@code InternalServiceError} (500) to the next {@code times} requests of these operations. */
    public SecretsManagerFake failNext(int times, String... operations) {
        faults.fail(positive(times), operations);
        return this;
    }

    /**
     * Denies the caller these operations on the secret (every operation when none is named) with {@code
     * AccessDeniedException}, as a policy without the permission would. {@code BatchGetSecretValue} lists a secret
     * denied {@code GetSecretValue} under its {@code Errors}.
     */
    public SecretsManagerFake denyAccess(String secretId, String... operations) {
        StoredSecret s = store.find(secretId);
        faults.denySecret(s != null ? s.name : secretId, operations);
        return this;
    }

    /** Denies the caller these operations on every secret, with {@code AccessDeniedException}. */
    public SecretsManagerFake denyOperation(String... operations) {
        if (operations.length == 0) {
            throw new IllegalArgumentException("name the operations to deny");
        }
        faults.denyOperations(operations);
        return this;
    }

    /**
     * Holds every answer to these operations (all when none) for {@code delay} of real time, for a client's timeouts.
     * The fake's clock does not move.
     */
    public SecretsManagerFake slow(Duration delay, String... operations) {
        faults.slow(Objects.requireNonNull(delay, "delay"), operations);
        return this;
    }

    /**
     * Drip-feeds every answer to these operations (all when none): the status and headers at once, then the body one
     * byte per {@code interval} of real time, as a congested network or a stalled proxy does. Each byte arrives well
     * within a client's read timeout, so only a deadline on the whole call ends such a call early. The answer itself
     * is the store's usual one; the fake's clock does not move.
     *
     * <pre>{@code
     * fake.drip(Duration.ofMillis(300), "GetSecretValue");   // a 200-byte answer now takes a minute
     * }</pre>
     */
    public SecretsManagerFake drip(Duration interval, String... operations) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        faults.drip(interval, operations);
        return this;
    }

    /** Ends every fault: throttling, internal errors, denials, latency and drip-fed answers. */
    public SecretsManagerFake clearFaults() {
        faults.clear();
        return this;
    }

    private static int positive(int times) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, was " + times);
        }
        return times;
    }

    // ---- the request log ----

    /** Every request answered so far, oldest first. */
    public List<FakeRequest> requests() {
        return List.copyOf(requests);
    }

    /** The requests of one operation, oldest first. */
    public List<FakeRequest> requests(String operation) {
        List<FakeRequest> out = new ArrayList<>();
        for (FakeRequest r : requests) {
            if (r.operation().equals(operation)) {
                out.add(r);
            }
        }
        return out;
    }

    /** How many requests of {@code operation} were answered (failed ones included). */
    public int count(String operation) {
        return requests(operation).size();
    }

    /** How many requests of {@code operation} named this secret id (as the caller wrote it). */
    public int count(String operation, String secretId) {
        int n = 0;
        for (FakeRequest r : requests(operation)) {
            if (r.secretId().filter(secretId::equals).isPresent()) {
                n++;
            }
        }
        return n;
    }

    /** Forgets the requests logged so far. */
    public void clearRequests() {
        requests.clear();
    }

    /** Stops the server and every rotation still to run. */
    @Override
    public void close() {
        store.cancelAll();
        server.stop(0);
        handlers.shutdownNow();
        if (ownScheduler != null) {
            ownScheduler.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "SecretsManagerFake{" + endpoint() + "}";
    }

    /** A {@link Scheduler} on a daemon thread, for a fake built without one. */
    private static final class ExecutorScheduler implements Scheduler {
        private final ScheduledExecutorService executor;
        private final TimeSource time;

        ExecutorScheduler(ScheduledExecutorService executor, TimeSource time) {
            this.executor = executor;
            this.time = time;
        }

        @Override
        public Cancellable schedule(Runnable task, Duration delay) {
            ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }

        @Override
        public TimeSource timeSource() {
            return time;
        }
    }

    /**
     * Builds a {@link SecretsManagerFake}. Not thread-safe.
     *
     * <pre>{@code
     * SecretsManagerFake aws = SecretsManagerFake.builder().scheduler(manualScheduler).region("eu-west-1").start();
     * }</pre>
     */
    public static final class Builder {
        private TimeSource timeSource;
        private Scheduler scheduler;
        private Duration rotationStepDelay = Duration.ofSeconds(1);
        private String region = "us-east-1";
        private String accountId = "123456789012";
        private long seed = 1;

        private Builder() {}

        /** The clock of every date the fake writes (default: the scheduler's clock, or the system clock). */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /** Where rotation steps and scheduled rotations run (default: a daemon thread on the system clock). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** How long after RotateSecret the first step runs, and each next step after the one before (default 1 s). */
        public Builder rotationStepDelay(Duration delay) {
            Objects.requireNonNull(delay, "rotationStepDelay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("rotationStepDelay must not be negative, was " + delay);
            }
            this.rotationStepDelay = delay;
            return this;
        }

        /** The region in the ARNs the fake writes (default {@code us-east-1}); requests are served whatever theirs. */
        public Builder region(String region) {
            this.region = Objects.requireNonNull(region, "region");
            return this;
        }

        /** The account id in the ARNs (default {@code 123456789012}). */
        public Builder accountId(String accountId) {
            this.accountId = Objects.requireNonNull(accountId, "accountId");
            return this;
        }

        /** The seed of the random ARN suffixes, for repeatable ARNs (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Starts the fake on a free port of 127.0.0.1. */
        public SecretsManagerFake start() {
            return new SecretsManagerFake(this);
        }
    }
}
