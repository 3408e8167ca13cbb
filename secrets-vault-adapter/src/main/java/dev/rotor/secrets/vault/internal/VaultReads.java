package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.LeaseExpiredException;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.ContentVersion;
import dev.rotor.secrets.spi.SourceContext;
import dev.rotor.secrets.spi.VersionIds;
import dev.rotor.secrets.vault.internal.TokenSession.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret engines' calls: KV v2 and v1 reads, the KV v2 version probe, mount detection, dynamic leases (read,
 * renew, revoke) and database static roles. Every answer is checked field by field; a wrong shape is a {@link
 * SecretFormatException} naming the field, never the value. It remembers under which token generation each dynamic
 * lease was issued, so that a replaced token's leases are re-issued ({@link #tokenReplaced(String)}) rather than lost
 * when Vault revokes them with the token. Thread-safe.
 */
public final class VaultReads {
    private static final Logger LOG = LoggerFactory.getLogger(VaultReads.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> STATIC_ROLE_META =
            Set.of("ttl", "rotation_period", "rotation_schedule", "rotation_window", "last_vault_rotation");
    private static final int MAX_TRACKED = 100_000;

    /** The ref parameters the source understands: {@code version} (KV v2) and the PKI issue parameters. */
    public static final Set<String> PARAMETERS;

    static {
        Set<String> p = new java.util.TreeSet<>(PkiIssuer.PARAMETERS);
        p.add("version");
        PARAMETERS = Set.copyOf(p);
    }

    /** Calls Vault with the current token (re-logging in once on a 403). */
    public interface TokenCaller {
        <T> T call(SecretRef ref, Function<Token, T> call);
    }

    /** A secrets engine mount: its path (ending in {@code /}), type and KV version (0 when not KV). */
    static final class Mount {
        final String path;
        final String type;
        final int kvVersion;

        Mount(String path, String type, int kvVersion) {
            this.path = path;
            this.type = type;
            this.kvVersion = kvVersion;
        }

        @Override
        public String toString() {
            return "Mount{" + path + ", " + type + (kvVersion > 0 ? " v" + kvVersion : "") + "}";
        }
    }

    private final VaultHttp http;
    private final String source;
    private final TokenCaller caller;
    private final PkiIssuer pki;
    private final boolean revokeCertificates;
    private final Map<String, Mount> mounts = new ConcurrentHashMap<>();
    private final Map<SecretRef, ContentVersion> contentVersions = new ConcurrentHashMap<>();
    // lease id -> generation of the token it was issued under
    private final Map<String, String> leaseTokens = new ConcurrentHashMap<>();
    // ref -> the last dynamic lease fetched for it and the generation of the token it was issued under
    private final Map<SecretRef, Issued> issued = new ConcurrentHashMap<>();
    private final Set<SecretRef> warned = ConcurrentHashMap.newKeySet();
    // KV v2 secrets whose metadata the token may not read: polled by reading their data
    private final Set<SecretRef> metadataDenied = ConcurrentHashMap.newKeySet();
    private volatile TimeSource time = TimeSource.system();
    private volatile Supplier<TokenSession> session;
    private volatile SourceContext context;

    /** A dynamic lease and the generation of the token it was issued under. */
    private static final class Issued {
        final String leaseId;
        final String generation;

        Issued(String leaseId, String generation) {
            this.leaseId = leaseId;
            this.generation = generation;
        }
    }

    public VaultReads(
            VaultHttp http,
            String source,
            Map<String, Integer> kvVersions,
            TokenCaller caller,
            boolean revokeReplacedCertificates) {
        this.http = http;
        this.source = source;
        this.caller = caller;
        this.pki = new PkiIssuer(http, source, revokeReplacedCertificates);
        this.revokeCertificates = revokeReplacedCertificates;
        kvVersions.forEach((m, v) -> {
            String path = AuthMethod.cleanMount(m) + "/";
            mounts.put(path, new Mount(path, "kv", v));
        });
    }

    public void start(SourceContext context, Supplier<TokenSession> session) {
        this.time = context.timeSource();
        this.context = context;
        this.session = session;
    }

    /**
     * A new token replaced the previous one: asks the engine to re-issue now every held dynamic secret whose last lease
     * was issued under another token, because Vault revokes a token's leases when the token expires or is revoked.
     * Static roles and KV secrets do not depend on the token and are left alone.
     */
    public void tokenReplaced(String generation) {
        SourceContext c = context;
        if (c == null || generation == null) {
            return;
        }
        boolean any = false;
        for (Issued i : issued.values()) {
            if (!i.generation.equals(generation)) {
                any = true;
                break;
            }
        }
        if (!any) {
            return;
        }
        LOG.debug("Vault token replaced [source={}]; re-issuing the leases of the previous token", source);
        c.reissue(ref -> {
            Issued i = issued.get(ref);
            return i != null && !i.generation.equals(generation);
        });
    }

    // ---- reads ----

    public Secret fetch(SecretRef ref) {
        Mount m = mount(ref);
        if (issuesCertificates(ref, m)) {
            return pki.issue(ref, ref.path(), caller, time);
        }
        String pkiParameter = PkiIssuer.pkiParameter(ref);
        if (pkiParameter != null) {
            throw new SecretConfigurationException(
                    "parameter " + pkiParameter + " applies to PKI issue refs (<pki mount>/issue/<role>) only; mount "
                            + m.path + " is " + m.type,
                    ref,
                    source);
        }
        if (m.kvVersion == 2) {
            return readKv2(ref, m);
        }
        return readOther(ref, m);
    }

    /**
     * The Vault API paths (without {@code /v1/}) a read of {@code ref} calls, each with the capability it needs there:
     * a KV v2 secret's {@code <mount>data/<path>} (read), a PKI role's {@code <mount>issue/<role>} (update), any other
     * path as written (read), and for a dynamic secret's {@code creds/} path also {@code sys/leases/renew} (update:
     * without it the secret is served only until its first lease ends, so it counts as a read's need). May look the
     * mount up ({@code sys/internal/ui/mounts}), as a first read does.
     */
    public Map<String, String> neededCapabilities(SecretRef ref) {
        Mount m = mount(ref);
        Map<String, String> out = new LinkedHashMap<>();
        if (issuesCertificates(ref, m)) {
            out.put(ref.path(), "update");
            return out;
        }
        if (m.kvVersion == 2) {
            out.put(m.path + "data/" + relative(ref, m), "read");
            return out;
        }
        out.put(ref.path(), "read");
        String rel = (ref.path() + "/").substring(m.path.length());
        if (m.kvVersion == 0 && rel.startsWith("creds/")) {
            out.put("sys/leases/renew", "update");
        }
        return out;
    }

    /**
     * The calls the client makes later in the life of {@code ref}, beyond its reads and renewals: the revocation of
     * a dynamic secret's replaced lease ({@code sys/leases/revoke}, update: the engine revokes each replaced lease once
     * its hand-over drained, and on {@code compromised} and {@code revokeOnClose}), and with {@code
     * revokeReplacedCertificates} that of a PKI ref's replaced certificate ({@code <mount>revoke}, update). May look
     * the mount up, as {@link #neededCapabilities} does (it is cached by then).
     */
    public List<CapabilityCheck.Step> lifecycleCapabilities(SecretRef ref) {
        Mount m = mount(ref);
        if (issuesCertificates(ref, m)) {
            return revokeCertificates
                    ? List.of(new CapabilityCheck.Step(
                            m.path + "revoke",
                            "update",
                            "replaced certificates are not revoked and stay valid until their notAfter"))
                    : List.of();
        }
        String rel = (ref.path() + "/").substring(m.path.length());
        if (m.kvVersion == 0 && rel.startsWith("creds/")) {
            return List.of(new CapabilityCheck.Step(
                    "sys/leases/revoke",
                    "update",
                    "replaced leases are not revoked and their credentials stay valid until the lease's TTL ends"));
        }
        return List.of();
    }

    /**
     * A PKI role's issue endpoint: on a mount of type {@code pki}, or on a server that could not say (no mount lookup)
     * when the ref asks for a {@code common_name}.
     */
    private static boolean issuesCertificates(SecretRef ref, Mount m) {
        String rel = (ref.path() + "/").substring(m.path.length());
        if (rel.isEmpty()) {
            return false;
        }
        rel = rel.substring(0, rel.length() - 1);
        if (!PkiIssuer.issuePath(rel)) {
            return false;
        }
        return m.type.equals("pki")
                || (m.type.equals("unknown") && ref.parameter("common_name").isPresent());
    }

    public Optional<String> probeVersion(SecretRef ref) {
        Mount m = mount(ref);
        if (m.kvVersion != 2) {
            return Optional.empty();
        }
        Optional<Long> pinned = pinnedVersion(ref);
        if (pinned.isPresent()) {
            return Optional.of(VersionIds.of(pinned.get()));
        }
        if (metadataDenied.contains(ref)) {
            // the policy grants the data but not the metadata: poll by reading (the engine fetches on no answer)
            return Optional.empty();
        }
        String what = "KV v2 version probe (" + m.path + "metadata/)";
        JsonNode body;
        try {
            body = caller.call(
                    ref, t -> http.call("GET", m.path + "metadata/" + relative(ref, m), null, t.value(), what, ref));
        } catch (SecretAccessDeniedException denied) {
            // The token is valid (the caller checked, or it would have logged in again) but may not read the
            // metadata: a policy that grants secret/data/x and not secret/metadata/x. Read instead, from now on.
            if (metadataDenied.size() < MAX_TRACKED) {
                metadataDenied.add(ref);
            }
            LOG.info(
                    "Vault refuses the metadata of {} [source={}] to this token; polling it by reading its data"
                            + " instead (grant read on the metadata path for cheaper polls)",
                    ref,
                    source);
            return Optional.empty();
        }
        JsonNode data = Json.object(body, "data", what, ref, source);
        long current = Json.number(data, "current_version", what, ref, source);
        JsonNode versions = Json.optionalObject(data, "versions", what, ref, source);
        JsonNode latest = versions == null ? null : versions.get(Long.toString(current));
        if (latest != null && latest.isObject()) {
            JsonNode deletion = latest.get("deletion_time");
            // a deletion_time in the future is a scheduled deletion (delete_version_after): not deleted yet
            if (deletion != null && deletion.isTextual() && inFuture(deletion.asText())) {
                deletion = null;
            }
            String gone = VaultErrors.describeGone(current, deletion, latest.get("destroyed"));
            if (gone != null) {
                throw new SecretNotFoundException(
                        what + ": the latest " + gone + "; the last good version is kept", ref, source);
            }
        }
        return Optional.of(VersionIds.of(current));
    }

    private boolean inFuture(String time) {
        try {
            return Instant.parse(time).isAfter(this.time.now());
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    private Secret readKv2(SecretRef ref, Mount m) {
        String what = "KV v2 read (" + m.path + "data/)";
        Map<String, String> query =
                pinnedVersion(ref).map(v -> Map.of("version", Long.toString(v))).orElse(Map.of());
        JsonNode body = caller.call(
                ref, t -> http.call("GET", m.path + "data/" + relative(ref, m), query, null, t.value(), what, ref));
        JsonNode data = Json.object(body, "data", what, ref, source);
        JsonNode metadata = Json.object(data, "metadata", what, ref, source);
        long version = Json.number(metadata, "version", what, ref, source);
        JsonNode values = data.get("data");
        if (values == null || values.isNull()) {
            // Vault answers a deleted or destroyed version with 404 (mapped in VaultErrors); a 200 without data is
            // treated the same way
            String gone = VaultErrors.describeGone(version, metadata.get("deletion_time"), metadata.get("destroyed"));
            throw new SecretNotFoundException(
                    what + ": " + (gone != null ? gone : "version " + version + " holds no data"), ref, source);
        }
        if (!values.isObject()) {
            throw Json.bad(what, "data.data", "an object", ref, source);
        }
        Secret.Builder b = Secret.builder(ref).version(VersionIds.of(version)).fetchedAt(time.now());
        String created = Json.optionalText(metadata, "created_time", what, ref, source);
        if (created != null) {
            b.attribute("created_time", created);
        }
        return build(b, Json.fields(values), ref, what);
    }

    private Secret readOther(SecretRef ref, Mount m) {
        if (ref.parameter("version").isPresent()) {
            throw new SecretConfigurationException(
                    "parameter version applies to KV v2 secrets only; mount " + m.path + " is " + m.type, ref, source);
        }
        boolean kv1 = m.kvVersion == 1;
        String what = kv1 ? "KV v1 read" : "read";
        Token[] used = new Token[1];
        JsonNode body = caller.call(ref, t -> {
            used[0] = t;
            return http.call("GET", ref.path(), null, t.value(), what, ref);
        });
        JsonNode data = Json.object(body, "data", what, ref, source);
        Instant now = time.now();
        if (!kv1 && data.has("last_vault_rotation") && data.has("ttl")) {
            return staticRole(ref, data, now, what);
        }
        String leaseId = Json.optionalText(body, "lease_id", what, ref, source);
        long duration = Json.optionalNumber(body, "lease_duration", 0, what, ref, source);
        boolean renewable = Json.optionalBoolean(body, "renewable", false, what, ref, source);
        Map<String, String> fields = Json.fields(data);
        if (!kv1 && leaseId != null && !leaseId.isEmpty() && duration > 0) {
            Lease lease = Lease.of(leaseId, Duration.ofSeconds(duration), renewable, now);
            trackLease(ref, lease, used[0]);
            return build(
                    Secret.builder(ref)
                            .version(leaseVersion(leaseId))
                            .lease(lease)
                            .fetchedAt(now),
                    fields,
                    ref,
                    what);
        }
        // KV v1 (or any other lease-less answer): the version is a counter over the content's digest
        String version =
                contentVersions.computeIfAbsent(ref, r -> new ContentVersion()).versionOfDigest(digest(fields));
        return build(Secret.builder(ref).version(version).fetchedAt(now), fields, ref, what);
    }

    /** A database static role: read again just after Vault rotates the password ({@code ttl} from now). */
    private Secret staticRole(SecretRef ref, JsonNode data, Instant now, String what) {
        String w = "static role " + what;
        long ttl = Json.number(data, "ttl", w, ref, source);
        long period = Json.optionalNumber(data, "rotation_period", 0, w, ref, source);
        String rotated = Json.text(data, "last_vault_rotation", w, ref, source);
        Map<String, String> fields = Json.fields(data);
        fields.keySet().removeAll(STATIC_ROLE_META);
        Duration untilRotation = Duration.ofSeconds(Math.max(1, ttl));
        Lease lease = Lease.builder(untilRotation, now)
                .rotationPeriod(period > 0 ? Duration.ofSeconds(period) : untilRotation)
                .build();
        Secret.Builder b = Secret.builder(ref)
                .version(rotated)
                .lease(lease)
                .nextRotation(lease.expiresAt())
                .attribute("last_vault_rotation", rotated)
                .fetchedAt(now);
        return build(b, fields, ref, w);
    }

    private Secret build(Secret.Builder b, Map<String, String> fields, SecretRef ref, String what) {
        if (fields.isEmpty()) {
            throw new SecretFormatException(what + ": Vault's answer holds no fields", ref, source);
        }
        return b.fields(fields).build();
    }

    // ---- leases ----

    public Lease renew(SecretRef ref, Lease lease, Duration increment) {
        String id = lease.id().orElseThrow(() -> new LeaseExpiredException("lease has no id", ref, source));
        String issuedUnder = leaseTokens.get(id);
        TokenSession s = session.get();
        if (issuedUnder != null
                && s != null
                && !issuedUnder.equals(s.current(ref).generation())) {
            // Vault revokes a token's leases with it: a lease of a replaced token is re-issued, not renewed. This
            // catches what tokenReplaced could not (a lease fetched while the token was being replaced).
            forget(ref, id);
            throw new LeaseExpiredException("lease was issued under a Vault token that was replaced", ref, source);
        }
        String what = "lease renewal (sys/leases/renew)";
        JsonNode body;
        try {
            body = caller.call(
                    ref,
                    t -> http.call(
                            "PUT",
                            "sys/leases/renew",
                            VaultHttp.object().put("lease_id", id).put("increment", Math.max(1, increment.toSeconds())),
                            t.value(),
                            what,
                            ref));
        } catch (LeaseExpiredException e) {
            forget(ref, id);
            throw e;
        }
        long duration = Json.number(body, "lease_duration", what, ref, source);
        boolean renewable = Json.optionalBoolean(body, "renewable", lease.renewable(), what, ref, source);
        if (duration <= 0) {
            forget(ref, id);
            throw new LeaseExpiredException(what + ": Vault granted no more time", ref, source);
        }
        return lease.newBuilder()
                .duration(Duration.ofSeconds(duration))
                .renewable(renewable)
                .issuedAt(time.now())
                .build();
    }

    public void revoke(SecretRef ref, Lease lease) {
        String id = lease.id().orElse(null);
        if (id == null) {
            return;
        }
        Mount m = mount(ref);
        if (issuesCertificates(ref, m)) {
            pki.revoke(ref, m.path, lease, caller);
            return;
        }
        forget(ref, id);
        caller.call(
                ref,
                t -> http.call(
                        "PUT",
                        "sys/leases/revoke",
                        VaultHttp.object().put("lease_id", id),
                        t.value(),
                        "lease revocation (sys/leases/revoke)",
                        ref));
    }

    /** Remembers under which token {@code lease} was issued; warns once per ref when it outlives the token. */
    private void trackLease(SecretRef ref, Lease lease, Token t) {
        if (t == null) {
            return;
        }
        String id = lease.id().orElseThrow();
        if (leaseTokens.size() < MAX_TRACKED) {
            leaseTokens.put(id, t.generation());
        }
        if (issued.size() < MAX_TRACKED || issued.containsKey(ref)) {
            issued.put(ref, new Issued(id, t.generation()));
        }
        Optional<Instant> tokenEnd = t.maxExpiresAt();
        if (tokenEnd.isPresent() && lease.expiresAt().isAfter(tokenEnd.get()) && warned.add(ref)) {
            LOG.warn(
                    "The lease of {} [source={}] runs to {}, past the latest end of the Vault token at {} (its max"
                            + " TTL): Vault revokes the lease with the token, so it will be re-issued each time the"
                            + " token is replaced. Give the token a longer max TTL than the lease's.",
                    ref,
                    source,
                    lease.expiresAt(),
                    tokenEnd.get());
        }
    }

    private void forget(SecretRef ref, String leaseId) {
        leaseTokens.remove(leaseId);
        issued.computeIfPresent(ref, (r, i) -> i.leaseId.equals(leaseId) ? null : i);
    }

    // ---- mounts ----

    private Mount mount(SecretRef ref) {
        String path = ref.path() + "/";
        Mount best = null;
        for (Mount m : mounts.values()) {
            if (path.startsWith(m.path) && (best == null || m.path.length() > best.path.length())) {
                best = m;
            }
        }
        if (best != null) {
            return best;
        }
        String what = "mount lookup (sys/internal/ui/mounts)";
        Mount found;
        try {
            JsonNode body = caller.call(
                    ref, t -> http.call("GET", "sys/internal/ui/mounts/" + ref.path(), null, t.value(), what, ref));
            JsonNode data = Json.object(body, "data", what, ref, source);
            String mountPath = Json.text(data, "path", what, ref, source);
            String type = Json.optionalText(data, "type", what, ref, source);
            JsonNode options = Json.optionalObject(data, "options", what, ref, source);
            String version = options == null ? null : Json.optionalText(options, "version", what, ref, source);
            int kv = 0;
            if ("kv".equals(type) || "generic".equals(type)) {
                kv = "2".equals(version) ? 2 : 1;
            }
            if (!mountPath.endsWith("/")) {
                mountPath = mountPath + "/";
            }
            if (!path.startsWith(mountPath)) {
                throw new SecretFormatException(
                        what + ": Vault named a mount that does not hold the path", ref, source);
            }
            found = new Mount(mountPath, type == null ? "unknown" : type, kv);
        } catch (SecretNotFoundException | SecretConfigurationException older) {
            // a server without the endpoint: read the path as it is
            int slash = ref.path().indexOf('/');
            String first = slash < 0 ? ref.path() + "/" : ref.path().substring(0, slash + 1);
            found = new Mount(first, "unknown", 0);
        }
        if (mounts.size() < 1024) {
            mounts.put(found.path, found);
        }
        LOG.debug("Vault mount {} for {} [source={}]", found, ref, source);
        return found;
    }

    private static String relative(SecretRef ref, Mount m) {
        String rel = (ref.path() + "/").substring(m.path.length());
        if (rel.isEmpty()) {
            throw new SecretConfigurationException("ref names a mount, not a secret", ref, null);
        }
        return rel.substring(0, rel.length() - 1);
    }

    private Optional<Long> pinnedVersion(SecretRef ref) {
        Optional<String> v = ref.parameter("version");
        if (v.isEmpty()) {
            return Optional.empty();
        }
        try {
            long n = Long.parseLong(v.get());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return Optional.of(n);
        } catch (NumberFormatException e) {
            throw new SecretConfigurationException("parameter version must be a positive integer", ref, source);
        }
    }

    /**
     * The version id of a dynamic secret: the first 16 hex digits of the SHA-256 of its lease id. Version ids are
     * shown in the inventory, the Spring endpoint, events and audit records; the lease id, which renews and revokes
     * the credentials, stays inside the {@link Lease}. A new lease is a new version; the same lease always maps to the
     * same id, which an operator can match with {@code printf %s "$LEASE_ID" | sha256sum | cut -c1-16}.
     */
    static String leaseVersion(String leaseId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(leaseId.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(16);
            for (int i = 0; i < 8; i++) {
                sb.append(Character.forDigit((d[i] >> 4) & 0xf, 16)).append(Character.forDigit(d[i] & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }

    private static byte[] digest(Map<String, String> fields) {
        byte[] bytes = null;
        try {
            bytes = MAPPER.writeValueAsBytes(new TreeMap<>(fields));
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("content digest failed", e);
        } finally {
            if (bytes != null) {
                Arrays.fill(bytes, (byte) 0);
            }
        }
    }
}
