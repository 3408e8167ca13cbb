package dev.rotor.secrets.test.gcp;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.secretmanager.v1.AccessSecretVersionRequest;
import com.google.cloud.secretmanager.v1.AccessSecretVersionResponse;
import com.google.cloud.secretmanager.v1.AddSecretVersionRequest;
import com.google.cloud.secretmanager.v1.CreateSecretRequest;
import com.google.cloud.secretmanager.v1.DeleteSecretRequest;
import com.google.cloud.secretmanager.v1.DestroySecretVersionRequest;
import com.google.cloud.secretmanager.v1.DisableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.EnableSecretVersionRequest;
import com.google.cloud.secretmanager.v1.GetSecretRequest;
import com.google.cloud.secretmanager.v1.GetSecretVersionRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsRequest;
import com.google.cloud.secretmanager.v1.ListSecretVersionsResponse;
import com.google.cloud.secretmanager.v1.Secret;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import com.google.cloud.secretmanager.v1.SecretPayload;
import com.google.cloud.secretmanager.v1.SecretVersion;
import com.google.cloud.secretmanager.v1.UpdateSecretRequest;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.rotor.secrets.TimeSource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A stateful Google Secret Manager, served in process (and, on request, on {@code 127.0.0.1}), that the real {@code
 * SecretManagerServiceClient} talks to. Written from the Secret Manager API reference:
 *
 * <ul>
 *   <li>secrets, global or regional ({@code projects/<p>/locations/<l>/secrets/<s>}), with versions numbered from 1
 *       in order of creation, never reused;
 *   <li>{@code latest}: the most recently created version, whatever its state (access to it fails when that one is
 *       disabled or destroyed: it never falls back to an older version);
 *   <li>user-managed aliases ({@code version_aliases}, set through {@code UpdateSecret}) usable wherever a version
 *       number is (access, get);
 *   <li>version states ENABLED, DISABLED and DESTROYED, moved by {@code DisableSecretVersion}, {@code
 *       EnableSecretVersion} and {@code DestroySecretVersion} (destroyed is final and drops the data); access to a
 *       version that is not enabled is {@code FAILED_PRECONDITION "Secret Version [...] is in DISABLED state."};
 *   <li>{@code AddSecretVersion} checks the payload (at most 64 KiB, its {@code data_crc32c} when given), and every
 *       access answers the payload with its CRC32C;
 *   <li>{@code DeleteSecret} removes the secret and all its versions at once (with an optional etag);
 *   <li>names in answers carry the project number, as the service's do, whether the request named the project by id
 *       or by number;
 *   <li>per-project quotas per minute, counted on the injected clock: access 90,000, reads of metadata ({@code
 *       GetSecret}, {@code GetSecretVersion}, {@code ListSecretVersions}) 600, writes 600; over one, {@code
 *       RESOURCE_EXHAUSTED} with a {@code RetryInfo} delay to the next minute;
 *   <li>per-secret IAM denial ({@code PERMISSION_DENIED}), and faults: throttling with a given delay, unavailability,
 *       any status, answers that never come, corrupted payloads and oversized ones.
 * </ul>
 *
 * <p>The Java methods act on the store as its owner would: they meet no faults, no quota and no denial, and are not
 * logged in {@link #requests()}. Thread-safe.
 */
public final class SecretManagerFake extends SecretManagerServiceBase implements AutoCloseable {
    /** The largest payload Secret Manager stores. */
    public static final int MAX_PAYLOAD = 65_536;

    /** Per project and minute. */
    public static final int ACCESS_QUOTA = 90_000;

    /** Per project and minute: GetSecret, GetSecretVersion, ListSecretVersions. */
    public static final int READ_QUOTA = 600;

    /** Per project and minute: CreateSecret, AddSecretVersion, UpdateSecret, DeleteSecret, Enable/Disable/Destroy. */
    public static final int WRITE_QUOTA = 600;

    private static final Pattern NAME =
            Pattern.compile("projects/([^/]+)(?:/locations/([^/]+))?/secrets/([^/]+)(?:/versions/([^/]+))?");
    private static final Pattern PARENT = Pattern.compile("projects/([^/]+)(?:/locations/([^/]+))?");
    private static final Pattern SECRET_ID = Pattern.compile("[a-zA-Z0-9_-]{1,255}");

    enum Bucket {
        ACCESS,
        READ,
        WRITE
    }

    /** One request the fake answered: the method, the resource name and the status code; never a payload. */
    public static final class Request {
        public final String method;
        public final String name;
        public final Status.Code status;

        Request(String method, String name, Status.Code status) {
            this.method = method;
            this.name = name;
            this.status = status;
        }

        @Override
        public String toString() {
            return method + " " + name + " " + status;
        }
    }

    private static final class StoredVersion {
        final long number;
        final Instant created;
        SecretVersion.State state = SecretVersion.State.ENABLED;
        byte[] data;
        Instant destroyed;

        StoredVersion(long number, Instant created, byte[] data) {
            this.number = number;
            this.created = created;
            this.data = data;
        }
    }

    private static final class StoredSecret {
        final String project;
        final String location;
        final String id;
        final Instant created;
        final TreeMap<Long, StoredVersion> versions = new TreeMap<>();
        final Map<String, Long> aliases = new LinkedHashMap<>();
        long next = 1;
        long generation = 1;

        StoredSecret(String project, String location, String id, Instant created) {
            this.project = project;
            this.location = location;
            this.id = id;
            this.created = created;
        }
    }

    private final TimeSource time;
    private final String serverName = "secret-manager-fake-" + UUID.randomUUID();
    private final Server server;
    private Server netty;
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();
    private final Map<String, StoredSecret> secrets = new HashMap<>();
    private final Map<String, String> numbers = new HashMap<>();
    private final Map<String, String> ids = new HashMap<>();
    private long nextNumber = 100_000_000_001L;
    private final Set<String> denied = new HashSet<>();
    private final Map<String, int[]> used = new HashMap<>();
    private final Map<Bucket, Integer> quotas =
            new HashMap<>(Map.of(Bucket.ACCESS, ACCESS_QUOTA, Bucket.READ, READ_QUOTA, Bucket.WRITE, WRITE_QUOTA));
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private long window = Long.MIN_VALUE;
    private Status failure;
    private Duration throttleDelay;
    private boolean throttled;
    private boolean stalled;
    private boolean corrupt;
    private int oversize = -1;

    private SecretManagerFake(TimeSource time) {
        this.time = Objects.requireNonNull(time, "time");
        try {
            this.server = InProcessServerBuilder.forName(serverName)
                    .directExecutor()
                    .addService(bindService())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fake on the system clock. */
    public static SecretManagerFake start() {
        return new SecretManagerFake(TimeSource.system());
    }

    /** A fake whose dates and quota minutes come from {@code time}. */
    public static SecretManagerFake start(TimeSource time) {
        return new SecretManagerFake(time);
    }

    /**
     * Settings for a client that talks to this fake in process: the client library's settings with a transport
     * channel provider over an in-process channel, and no credentials. A new channel each call; closed with the fake.
     */
    public SecretManagerServiceSettings settings() {
        ManagedChannel channel =
                InProcessChannelBuilder.forName(serverName).directExecutor().build();
        channels.add(channel);
        try {
            return SecretManagerServiceSettings.newBuilder()
                    .setTransportChannelProvider(
                            FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
                    .setCredentialsProvider(NoCredentialsProvider.create())
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves the fake on {@code 127.0.0.1} and a free port too, in plain text; answers {@code host:port}. */
    public synchronized String listenOnLoopback() {
        if (netty == null) {
            try {
                netty = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                                new InetSocketAddress("127.0.0.1", 0))
                        .addService(bindService())
                        .build()
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return "127.0.0.1:" + netty.getPort();
    }

    // ---- the owner's side: no faults, no quota, not logged ----

    /** Creates a global secret with no version. */
    public void createSecret(String project, String secretId) {
        createSecret(project, null, secretId);
    }

    /** Creates a secret, regional when {@code location} is not null, with no version. */
    public synchronized void createSecret(String project, String location, String secretId) {
        String key = key(project, location, secretId);
        if (secrets.containsKey(key)) {
            throw new IllegalStateException("exists: " + key);
        }
        number(project);
        secrets.put(key, new StoredSecret(project, location, secretId, time.now()));
    }

    /** Adds a version to a global secret; answers its number. */
    public long addVersion(String project, String secretId, String data) {
        return addVersion(project, null, secretId, data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Adds a version; answers its number. */
    public synchronized long addVersion(String project, String location, String secretId, byte[] data) {
        StoredSecret s = owned(project, location, secretId);
        return add(s, data.clone()).number;
    }

    public synchronized void disable(String project, String secretId, long version) {
        ownedVersion(project, secretId, version).state = SecretVersion.State.DISABLED;
    }

    public synchronized void enable(String project, String secretId, long version) {
        StoredVersion v = ownedVersion(project, secretId, version);
        if (v.state == SecretVersion.State.DESTROYED) {
            throw new IllegalStateException("destroyed");
        }
        v.state = SecretVersion.State.ENABLED;
    }

    public synchronized void destroy(String project, String secretId, long version) {
        destroy(ownedVersion(project, secretId, version));
    }

    /** Points {@code alias} at {@code version}, as {@code UpdateSecret} with {@code version_aliases} does. */
    public synchronized void setAlias(String project, String secretId, String alias, long version) {
        StoredSecret s = owned(project, null, secretId);
        if (!s.versions.containsKey(version)) {
            throw new IllegalStateException("no version " + version);
        }
        s.aliases.put(alias, version);
        s.generation++;
    }

    public synchronized void deleteSecret(String project, String secretId) {
        deleteSecret(project, null, secretId);
    }

    public synchronized void deleteSecret(String project, String location, String secretId) {
        if (secrets.remove(key(project, location, secretId)) == null) {
            throw new IllegalStateException("no secret " + secretId);
        }
    }

    /** The number the fake gave {@code projectId}; answers name the project by it. */
    public synchronized String projectNumber(String projectId) {
        return number(projectId);
    }

    /** From now on the application may not call anything on this secret ({@code PERMISSION_DENIED}). */
    public synchronized void denyAccess(String project, String secretId) {
        denied.add(key(project, null, secretId));
    }

    /** Every call answers {@code RESOURCE_EXHAUSTED} with a {@code RetryInfo} of {@code delay} (null: none). */
    public synchronized void throttle(Duration delay) {
        throttled = true;
        throttleDelay = delay;
    }

    /** Every call answers {@code UNAVAILABLE}. */
    public void makeUnavailable() {
        fail(Status.UNAVAILABLE.withDescription("The service is currently unavailable."));
    }

    /** Every call answers {@code status}. */
    public synchronized void fail(Status status) {
        failure = status;
    }

    /** Every call is held without an answer: the caller's deadline ends it. */
    public synchronized void stall() {
        stalled = true;
    }

    /** Access answers carry a payload whose bytes no longer match its checksum, as if corrupted on the way. */
    public synchronized void corruptPayloads() {
        corrupt = true;
    }

    /** Access answers carry a payload of {@code bytes} bytes (more than the store ever holds), with its checksum. */
    public synchronized void answerOversized(int bytes) {
        oversize = bytes;
    }

    /** Sets one project's quota per minute for one kind of call (a test lowers it to see it run out). */
    public synchronized void quota(String kind, int perMinute) {
        quotas.put(Bucket.valueOf(kind), perMinute);
    }

    /** Ends every fault; denials and quotas stay. */
    public synchronized void clearFaults() {
        failure = null;
        throttled = false;
        throttleDelay = null;
        stalled = false;
        corrupt = false;
        oversize = -1;
    }

    /** Every request answered, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** How many calls of {@code method} were made. */
    public long count(String method) {
        return requests.stream().filter(r -> r.method.equals(method)).count();
    }

    @Override
    public void close() {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        server.shutdownNow();
        synchronized (this) {
            if (netty != null) {
                netty.shutdownNow();
            }
        }
    }

    // ---- the service ----

    @Override
    protected AccessSecretVersionResponse accessSecretVersion(AccessSecretVersionRequest request) {
        return answer("AccessSecretVersion", request.getName(), Bucket.ACCESS, () -> {
            StoredSecret s = secretOf(request.getName(), true);
            StoredVersion v = versionOf(s, request.getName());
            if (v.state != SecretVersion.State.ENABLED) {
                throw Status.FAILED_PRECONDITION
                        .withDescription("Secret Version [" + versionName(s, v) + "] is in " + v.state + " state.")
                        .asRuntimeException();
            }
            byte[] data = v.data;
            if (oversize >= 0) {
                data = new byte[oversize];
                java.util.Arrays.fill(data, (byte) 'x');
            }
            long crc = crc32c(data);
            if (corrupt) {
                data = data.clone();
                data[0] ^= 0x20;
            }
            return AccessSecretVersionResponse.newBuilder()
                    .setName(versionName(s, v))
                    .setPayload(SecretPayload.newBuilder()
                            .setData(ByteString.copyFrom(data))
                            .setDataCrc32C(crc))
                    .build();
        });
    }

    @Override
    protected SecretVersion addSecretVersion(AddSecretVersionRequest request) {
        return answer("AddSecretVersion", request.getParent(), Bucket.WRITE, () -> {
            StoredSecret s = secretOf(request.getParent(), false);
            byte[] data = request.getPayload().getData().toByteArray();
            if (data.length > MAX_PAYLOAD) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("Secret Payload cannot be larger than 64KiB.")
                        .asRuntimeException();
            }
            if (request.getPayload().hasDataCrc32C() && request.getPayload().getDataCrc32C() != crc32c(data)) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("Checksum mismatch.")
                        .asRuntimeException();
            }
            StoredVersion v = add(s, data);
            return version(s, v)
                    .setClientSpecifiedPayloadChecksum(request.getPayload().hasDataCrc32C())
                    .build();
        });
    }

    @Override
    protected Secret createSecret(CreateSecretRequest request) {
        return answer("CreateSecret", request.getParent(), Bucket.WRITE, () -> {
            Matcher m = PARENT.matcher(request.getParent());
            if (!m.matches()) {
                throw invalid("parent");
            }
            if (!SECRET_ID.matcher(request.getSecretId()).matches()) {
                throw invalid("secret_id");
            }
            String project = projectId(m.group(1));
            String key = key(project, m.group(2), request.getSecretId());
            if (secrets.containsKey(key)) {
                throw Status.ALREADY_EXISTS
                        .withDescription("Secret [" + request.getSecretId() + "] already exists.")
                        .asRuntimeException();
            }
            StoredSecret s = new StoredSecret(project, m.group(2), request.getSecretId(), time.now());
            secrets.put(key, s);
            return secret(s);
        });
    }

    @Override
    protected Secret getSecret(GetSecretRequest request) {
        return answer("GetSecret", request.getName(), Bucket.READ, () -> secret(secretOf(request.getName(), false)));
    }

    @Override
    protected Secret updateSecret(UpdateSecretRequest request) {
        return answer("UpdateSecret", request.getSecret().getName(), Bucket.WRITE, () -> {
            StoredSecret s = secretOf(request.getSecret().getName(), false);
            for (String path : request.getUpdateMask().getPathsList()) {
                if (!path.equals("version_aliases")) {
                    throw invalid("update_mask " + path);
                }
                Map<String, Long> aliases = request.getSecret().getVersionAliasesMap();
                for (Map.Entry<String, Long> a : aliases.entrySet()) {
                    if (!s.versions.containsKey(a.getValue())
                            || a.getKey().equals("latest")
                            || a.getKey().equals("NEW")) {
                        throw invalid("version_aliases");
                    }
                }
                s.aliases.clear();
                s.aliases.putAll(aliases);
            }
            s.generation++;
            return secret(s);
        });
    }

    @Override
    protected Empty deleteSecret(DeleteSecretRequest request) {
        return answer("DeleteSecret", request.getName(), Bucket.WRITE, () -> {
            StoredSecret s = secretOf(request.getName(), false);
            if (!request.getEtag().isEmpty() && !request.getEtag().equals(etag(s))) {
                throw Status.ABORTED.withDescription("etag mismatch").asRuntimeException();
            }
            secrets.remove(key(s.project, s.location, s.id));
            return Empty.getDefaultInstance();
        });
    }

    @Override
    protected SecretVersion getSecretVersion(GetSecretVersionRequest request) {
        return answer("GetSecretVersion", request.getName(), Bucket.READ, () -> {
            StoredSecret s = secretOf(request.getName(), true);
            return version(s, versionOf(s, request.getName())).build();
        });
    }

    @Override
    protected ListSecretVersionsResponse listSecretVersions(ListSecretVersionsRequest request) {
        return answer("ListSecretVersions", request.getParent(), Bucket.READ, () -> {
            StoredSecret s = secretOf(request.getParent(), false);
            int size = request.getPageSize() <= 0 ? 25_000 : Math.min(request.getPageSize(), 25_000);
            long start = request.getPageToken().isEmpty() ? Long.MAX_VALUE : Long.parseLong(request.getPageToken());
            ListSecretVersionsResponse.Builder b =
                    ListSecretVersionsResponse.newBuilder().setTotalSize(s.versions.size());
            // newest first
            List<StoredVersion> page = new ArrayList<>(
                    s.versions.headMap(start, true).descendingMap().values());
            for (int i = 0; i < page.size() && i < size; i++) {
                b.addVersions(version(s, page.get(i)));
            }
            if (page.size() > size) {
                b.setNextPageToken(Long.toString(page.get(size).number));
            }
            return b.build();
        });
    }

    @Override
    protected SecretVersion disableSecretVersion(DisableSecretVersionRequest request) {
        return answer(
                "DisableSecretVersion",
                request.getName(),
                Bucket.WRITE,
                () -> move(request.getName(), SecretVersion.State.DISABLED));
    }

    @Override
    protected SecretVersion enableSecretVersion(EnableSecretVersionRequest request) {
        return answer(
                "EnableSecretVersion",
                request.getName(),
                Bucket.WRITE,
                () -> move(request.getName(), SecretVersion.State.ENABLED));
    }

    @Override
    protected SecretVersion destroySecretVersion(DestroySecretVersionRequest request) {
        return answer(
                "DestroySecretVersion",
                request.getName(),
                Bucket.WRITE,
                () -> move(request.getName(), SecretVersion.State.DESTROYED));
    }

    // ---- the model ----

    private interface Call<T> {
        T run();
    }

    private synchronized <T> T answer(String method, String name, Bucket bucket, Call<T> call) {
        try {
            if (stalled) {
                requests.add(new Request(method, name, Status.Code.DEADLINE_EXCEEDED));
                return null;
            }
            if (failure != null) {
                throw failure.asRuntimeException();
            }
            if (throttled) {
                throw exhausted(throttleDelay, "forced");
            }
            Matcher m = NAME.matcher(name);
            if (m.lookingAt() && denied.contains(key(projectId(m.group(1)), m.group(2), m.group(3)))) {
                throw Status.PERMISSION_DENIED
                        .withDescription("Permission '" + permission(method) + "' denied for resource '" + name
                                + "' (or it may not exist).")
                        .asRuntimeException();
            }
            Matcher p = PARENT.matcher(name);
            if (p.lookingAt()) {
                spend(projectId(p.group(1)), bucket);
            }
            T answer = call.run();
            requests.add(new Request(method, name, Status.Code.OK));
            return answer;
        } catch (StatusRuntimeException e) {
            requests.add(new Request(method, name, e.getStatus().getCode()));
            throw e;
        }
    }

    private static String permission(String method) {
        switch (method) {
            case "AccessSecretVersion":
                return "secretmanager.versions.access";
            case "GetSecretVersion":
            case "ListSecretVersions":
                return "secretmanager.versions.get";
            case "AddSecretVersion":
                return "secretmanager.versions.add";
            case "GetSecret":
                return "secretmanager.secrets.get";
            case "DeleteSecret":
                return "secretmanager.secrets.delete";
            default:
                return "secretmanager.secrets.update";
        }
    }

    /** Spends one call of the project's quota for this minute, or answers RESOURCE_EXHAUSTED. */
    private void spend(String project, Bucket bucket) {
        Instant now = time.now();
        long minute = Math.floorDiv(now.getEpochSecond(), 60);
        if (minute != window) {
            window = minute;
            used.clear();
        }
        int[] n = used.computeIfAbsent(project + "|" + bucket, k -> new int[1]);
        if (n[0] >= quotas.get(bucket)) {
            Duration left = Duration.between(now, Instant.ofEpochSecond((minute + 1) * 60));
            throw exhausted(left, bucket.name());
        }
        n[0]++;
    }

    private static StatusRuntimeException exhausted(Duration delay, String which) {
        com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
                .setMessage("Quota exceeded for quota metric '" + which + " requests' of service"
                        + " 'secretmanager.googleapis.com'.")
                .addDetails(Any.pack(ErrorInfo.newBuilder()
                        .setReason("RATE_LIMIT_EXCEEDED")
                        .setDomain("googleapis.com")
                        .build()));
        if (delay != null) {
            s.addDetails(Any.pack(RetryInfo.newBuilder()
                    .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                            .setSeconds(delay.getSeconds())
                            .setNanos(delay.getNano()))
                    .build()));
        }
        return StatusProto.toStatusRuntimeException(s.build());
    }

    private StoredVersion add(StoredSecret s, byte[] data) {
        StoredVersion v = new StoredVersion(s.next++, time.now(), data);
        s.versions.put(v.number, v);
        return v;
    }

    private SecretVersion move(String name, SecretVersion.State to) {
        StoredSecret s = secretOf(name, true);
        StoredVersion v = versionOf(s, name);
        if (v.state == SecretVersion.State.DESTROYED) {
            throw Status.FAILED_PRECONDITION
                    .withDescription("Secret Version [" + versionName(s, v) + "] is in DESTROYED state.")
                    .asRuntimeException();
        }
        if (to == SecretVersion.State.DESTROYED) {
            destroy(v);
        } else {
            v.state = to;
        }
        return version(s, v).build();
    }

    private void destroy(StoredVersion v) {
        if (v.data != null) {
            java.util.Arrays.fill(v.data, (byte) 0);
        }
        v.data = null;
        v.state = SecretVersion.State.DESTROYED;
        v.destroyed = time.now();
    }

    private StoredSecret secretOf(String name, boolean withVersion) {
        Matcher m = NAME.matcher(name);
        if (!m.matches() || (m.group(4) != null) != withVersion) {
            throw invalid("name");
        }
        StoredSecret s = secrets.get(key(projectId(m.group(1)), m.group(2), m.group(3)));
        if (s == null) {
            throw Status.NOT_FOUND
                    .withDescription("Secret [" + name + "] not found or has no versions.")
                    .asRuntimeException();
        }
        return s;
    }

    /** The version a name asks for: a number, latest (the most recently created) or an alias. */
    private StoredVersion versionOf(StoredSecret s, String name) {
        Matcher m = NAME.matcher(name);
        m.matches();
        String v = m.group(4);
        StoredVersion found = null;
        if (v.equals("latest")) {
            found = s.versions.isEmpty() ? null : s.versions.lastEntry().getValue();
        } else if (v.matches("[0-9]{1,18}")) {
            found = s.versions.get(Long.parseLong(v));
        } else if (s.aliases.containsKey(v)) {
            found = s.versions.get(s.aliases.get(v));
        }
        if (found == null) {
            throw Status.NOT_FOUND
                    .withDescription("Secret Version [" + name + "] not found.")
                    .asRuntimeException();
        }
        return found;
    }

    private Secret secret(StoredSecret s) {
        return Secret.newBuilder()
                .setName(secretName(s))
                .setCreateTime(timestamp(s.created))
                .putAllVersionAliases(s.aliases)
                .setEtag(etag(s))
                .build();
    }

    private SecretVersion.Builder version(StoredSecret s, StoredVersion v) {
        SecretVersion.Builder b = SecretVersion.newBuilder()
                .setName(versionName(s, v))
                .setCreateTime(timestamp(v.created))
                .setState(v.state)
                .setEtag("\"v" + v.number + v.state.getNumber() + "\"");
        if (v.destroyed != null) {
            b.setDestroyTime(timestamp(v.destroyed));
        }
        return b;
    }

    private static String etag(StoredSecret s) {
        return "\"" + s.generation + "\"";
    }

    private String secretName(StoredSecret s) {
        return "projects/" + number(s.project) + (s.location == null ? "" : "/locations/" + s.location) + "/secrets/"
                + s.id;
    }

    private String versionName(StoredSecret s, StoredVersion v) {
        return secretName(s) + "/versions/" + v.number;
    }

    private static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder()
                .setSeconds(t.getEpochSecond())
                .setNanos(t.getNano())
                .build();
    }

    private static StatusRuntimeException invalid(String what) {
        return Status.INVALID_ARGUMENT.withDescription("Invalid " + what + ".").asRuntimeException();
    }

    private synchronized String number(String projectId) {
        String n = numbers.get(projectId);
        if (n == null) {
            n = Long.toString(nextNumber++);
            numbers.put(projectId, n);
            ids.put(n, projectId);
        }
        return n;
    }

    /** The project id a request names, by id or by number. */
    private String projectId(String idOrNumber) {
        String id = ids.get(idOrNumber);
        return id != null ? id : idOrNumber;
    }

    private StoredSecret owned(String project, String location, String secretId) {
        StoredSecret s = secrets.get(key(project, location, secretId));
        if (s == null) {
            throw new IllegalStateException("no secret " + secretId);
        }
        return s;
    }

    private StoredVersion ownedVersion(String project, String secretId, long version) {
        StoredVersion v = owned(project, null, secretId).versions.get(version);
        if (v == null) {
            throw new IllegalStateException("no version " + version);
        }
        return v;
    }

    private static String key(String project, String location, String secretId) {
        return project + "|" + (location == null ? "" : location) + "|" + secretId;
    }

    /** CRC32C, as the service computes {@code data_crc32c}. */
    public static long crc32c(byte[] data) {
        CRC32C c = new CRC32C();
        c.update(data, 0, data.length);
        return c.getValue();
    }
}
