package dev.rotor.secrets.test.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.rotor.secrets.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A stateful Azure Key Vault (the secrets part of its REST API) on {@code https://127.0.0.1} and a free port, for tests
 * without Docker or an Azure subscription. The real Azure SDK talks to it: point a client at {@link #vaultUrl()},
 * trust {@link #trustStore()} (a self-signed certificate made for {@code 127.0.0.1}), let it answer the bearer
 * challenge, and give it a token from {@link #issueToken()}. It needs nothing but the JDK and Jackson.
 *
 * <pre>{@code
 * try (KeyVaultFake vault = KeyVaultFake.start()) {
 *     String v1 = vault.setSecret("db", "{\"username\":\"app\",\"password\":\"p1\"}");
 *     String token = vault.issueToken();
 *     SecretClient client = new SecretClientBuilder()
 *             .vaultUrl(vault.vaultUrl().toString())
 *             .credential(request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1))))
 *             .httpClient(clientTrusting(vault.trustStore()))
 *             .disableChallengeResourceVerification()     // the challenge's resource is vault.azure.net
 *             .buildClient();
 *     vault.setSecret("db", "{\"username\":\"app\",\"password\":\"p2\"}");   // a second version, now the latest
 * }
 * }</pre>
 *
 * <p><b>What it models</b>, from the Key Vault REST reference: {@code SetSecret} ({@code PUT /secrets/{name}}: a new
 * version, with {@code contentType}, {@code tags} and the attributes {@code enabled}, {@code nbf}, {@code exp}), {@code
 * GetSecret} (the latest version, or one by its 32-digit id; a disabled version answers {@code 403 Forbidden} with the
 * inner error {@code SecretDisabled}), {@code UpdateSecret} ({@code PATCH}, attributes only), {@code
 * GetSecretVersions} (paged by {@code maxresults}, at most 25, with a {@code nextLink}), {@code DeleteSecret} (soft
 * delete: the secret is gone from {@code /secrets} and listed under {@code /deletedsecrets} until recovered or
 * purged; its name cannot be set again meanwhile, {@code 409 Conflict}), {@code GetDeletedSecret}, {@code
 * RecoverDeletedSecret} and {@code PurgeDeletedSecret}. Every request needs {@code api-version} and a bearer token;
 * without a token it answers {@code 401} with {@code WWW-Authenticate: Bearer authorization="...", resource="..."},
 * the challenge the SDK answers. Secret names follow {@code ^[0-9a-zA-Z-]{1,127}$}; values are at most 25 KiB.
 *
 * <p><b>Faults.</b> {@link #denyAccess} answers {@code 403 Forbidden} ({@code ForbiddenByRbac}), {@link #throttle}
 * {@code 429 Throttled} with {@code Retry-After}, {@link #failInternally} {@code 500}, {@link #serviceUnavailable}
 * {@code 503}; {@link #slow} delays the answer, {@link #drip} sends it a byte at a time, {@link #answerRaw} replaces
 * the next reads' answer by bytes of the test's (for malformed and oversized answers). {@link #requests()} logs every
 * request (method, path, status; never a value or a token).
 *
 * <p>The Java methods act on the vault directly, as its owner would: they meet no faults and are not logged.
 * Thread-safe; close it to stop the server.
 */
public final class KeyVaultFake implements AutoCloseable {
    /** The resource the bearer challenge names, as the public cloud's vaults do. */
    public static final String RESOURCE = "https://vault.azure.net";

    /** The tenant the bearer challenge names. */
    public static final String TENANT = "00000000-0000-0000-0000-000000000000";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_VALUE = 25 * 1024;
    private static final int PAGE = 25;
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("^[0-9a-zA-Z-]{1,127}$");

    private final HttpsServer server;
    private final ExecutorService handlers;
    private final TimeSource time;
    private final SelfSignedCertificate certificate = SelfSignedCertificate.get();
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Stored> secrets = new LinkedHashMap<>();
    private final Map<String, Stored> deleted = new LinkedHashMap<>();
    private final Set<String> tokens = ConcurrentHashMap.newKeySet();
    private final Set<String> denied = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Fault fault;
    private volatile Duration slow = Duration.ZERO;
    private volatile Duration drip;
    private volatile byte[] raw;
    private volatile int rawStatus = 200;

    private KeyVaultFake(Builder b) {
        this.time = b.time;
        try {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open a local port for the Key Vault fake", e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(certificate.serverContext()));
        handlers = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "key-vault-fake-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A fake on a free port with the system clock. */
    public static KeyVaultFake start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The vault's URL: {@code https://127.0.0.1:<port>}. */
    public URI vaultUrl() {
        return URI.create("https://127.0.0.1:" + port());
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** A trust store holding the fake's self-signed certificate alone, for the client under test. */
    public KeyStore trustStore() {
        return certificate.trustStore();
    }

    // ---- tokens ----

    /** A new bearer token the vault accepts from now on (until {@link #revokeTokens()}). */
    public String issueToken() {
        String t = "fake-token-" + hex(16);
        tokens.add(t);
        return t;
    }

    /** No token issued so far is accepted any more: every request meets the bearer challenge again. */
    public void revokeTokens() {
        tokens.clear();
    }

    // ---- the vault, as its owner sees it ----

    /** Sets a new version of {@code name}, enabled, with no dates; answers its version id. */
    public String setSecret(String name, String value) {
        return setSecret(name, value, VersionSpec.defaults());
    }

    /** Sets a new version of {@code name} with these attributes; answers its version id. */
    public String setSecret(String name, String value, VersionSpec spec) {
        checkName(name);
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(spec, "spec");
        if (value.length() > MAX_VALUE) {
            throw new IllegalArgumentException("a value is at most " + MAX_VALUE + " characters");
        }
        synchronized (this) {
            if (deleted.containsKey(name)) {
                throw new IllegalStateException("secret " + name + " is deleted but recoverable: recover or purge it");
            }
            Stored s = secrets.computeIfAbsent(name, Stored::new);
            Version v = new Version(hex(16), value, spec.contentType, time.now());
            v.enabled = spec.enabled;
            v.notBefore = spec.notBefore;
            v.expires = spec.expiresOn;
            s.versions.put(v.id, v);
            s.latest = v.id;
            return v.id;
        }
    }

    /** Changes a version's attributes (null leaves one as it is), as {@code UpdateSecret} does. */
    public void updateVersion(String name, String version, Boolean enabled, Instant notBefore, Instant expiresOn) {
        synchronized (this) {
            Version v = version(name, version);
            if (enabled != null) {
                v.enabled = enabled;
            }
            if (notBefore != null) {
                v.notBefore = notBefore;
            }
            if (expiresOn != null) {
                v.expires = expiresOn;
            }
            v.updated = time.now();
        }
    }

    /** Disables the latest version of {@code name}. */
    public void disable(String name) {
        updateVersion(name, latestVersion(name).orElseThrow(), false, null, null);
    }

    /** The latest version's id, if the secret exists (and is not deleted). */
    public synchronized Optional<String> latestVersion(String name) {
        Stored s = secrets.get(name);
        return Optional.ofNullable(s == null ? null : s.latest);
    }

    /** Every version id of {@code name}, oldest first. */
    public synchronized List<String> versions(String name) {
        Stored s = secrets.get(name);
        return s == null ? List.of() : List.copyOf(s.versions.keySet());
    }

    /** Soft-deletes the secret with every version, as {@code DeleteSecret} does. */
    public synchronized void deleteSecret(String name) {
        Stored s = secrets.remove(name);
        if (s == null) {
            throw new IllegalStateException("no secret " + name);
        }
        s.deletedAt = time.now();
        deleted.put(name, s);
    }

    /** Brings a soft-deleted secret back, as {@code RecoverDeletedSecret} does. */
    public synchronized void recoverDeletedSecret(String name) {
        Stored s = deleted.remove(name);
        if (s == null) {
            throw new IllegalStateException("no deleted secret " + name);
        }
        s.deletedAt = null;
        secrets.put(name, s);
    }

    /** Removes a soft-deleted secret for good, as {@code PurgeDeletedSecret} does. */
    public synchronized void purgeDeletedSecret(String name) {
        if (deleted.remove(name) == null) {
            throw new IllegalStateException("no deleted secret " + name);
        }
    }

    /** From now on every request for {@code name} is refused: {@code 403 Forbidden}, {@code ForbiddenByRbac}. */
    public void denyAccess(String name) {
        denied.add(name);
    }

    public void allowAccess(String name) {
        denied.remove(name);
    }

    // ---- faults ----

    /** From now on every request answers {@code 429 Throttled} with {@code Retry-After} in whole seconds. */
    public void throttle(Duration retryAfter) {
        fault = new Fault(429, "Throttled", null, retryAfter);
    }

    /** From now on every request answers {@code 500 InternalServerError}. */
    public void failInternally() {
        fault = new Fault(500, "InternalServerError", null, null);
    }

    /** From now on every request answers {@code 503 ServiceUnavailable}. */
    public void serviceUnavailable() {
        fault = new Fault(503, "ServiceUnavailable", null, Duration.ofSeconds(10));
    }

    /** From now on every answer waits {@code delay} on the server before it is sent. */
    public void slow(Duration delay) {
        slow = Objects.requireNonNull(delay, "delay");
    }

    /** From now on every answer is sent a byte at a time, {@code perByte} apart. */
    public void drip(Duration perByte) {
        drip = Objects.requireNonNull(perByte, "perByte");
    }

    /** From now on every authorised read answers {@code 200} with these bytes as a JSON body, whatever they are. */
    public void answerRaw(byte[] body) {
        answerRaw(200, body);
    }

    /**
     * From now on every authorised read answers {@code status} with these bytes as a JSON body, whatever they are: for
     * malformed answers, and for error bodies whose message quotes what it should not.
     */
    public void answerRaw(int status, byte[] body) {
        raw = body.clone();
        rawStatus = status;
    }

    /** Ends every fault: throttling, failures, delays, drips and raw answers (not denials). */
    public void clearFaults() {
        fault = null;
        slow = Duration.ZERO;
        drip = null;
        raw = null;
    }

    /** Every request so far, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** How many requests had this method and a path starting with {@code pathPrefix}. */
    public long count(String method, String pathPrefix) {
        return requests.stream()
                .filter(r -> r.method.equals(method) && r.path.startsWith(pathPrefix))
                .count();
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }

    // ---- the protocol ----

    private void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        int status = 500;
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(64 * 1024);
            }
            Answer a = answer(ex, method, path, body);
            status = a.status;
            send(ex, a);
        } catch (RuntimeException e) {
            status = 500;
            send(ex, error(500, "InternalServerError", null, "the fake failed"));
        } finally {
            requests.add(new Request(method, path, status));
        }
    }

    private Answer answer(HttpExchange ex, String method, String path, byte[] body) {
        String query = ex.getRequestURI().getRawQuery();
        if (query == null || !query.contains("api-version=")) {
            return error(400, "BadParameter", null, "The request is missing api-version.");
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
            Answer a = error(401, "Unauthorized", null, "AKV10000: Request is missing a Bearer or PoP token.");
            a.headers.put(
                    "WWW-Authenticate",
                    "Bearer authorization=\"https://login.microsoftonline.com/" + TENANT + "\", resource=\"" + RESOURCE
                            + "\"");
            return a;
        }
        Fault f = fault;
        if (f != null) {
            Answer a = error(f.status, f.code, f.inner, "fault");
            if (f.retryAfter != null) {
                a.headers.put("Retry-After", Long.toString(f.retryAfter.toSeconds()));
            }
            return a;
        }
        String[] parts = path.split("/", -1);
        // "", "secrets"|"deletedsecrets", name, [version|"versions"|"recover"]
        if (parts.length < 3 || !parts[0].isEmpty()) {
            return error(404, "NotFound", null, "no such operation");
        }
        String name = parts[2];
        if (denied.contains(name)) {
            return error(
                    403, "Forbidden", "ForbiddenByRbac", "Caller is not authorized to perform action on resource.");
        }
        byte[] rawAnswer = raw;
        if (rawAnswer != null && "GET".equals(method)) {
            return new Answer(rawStatus, rawAnswer);
        }
        synchronized (this) {
            if ("secrets".equals(parts[1])) {
                return secrets(method, parts, name, body, query);
            }
            if ("deletedsecrets".equals(parts[1])) {
                return deletedSecrets(method, parts, name);
            }
        }
        return error(404, "NotFound", null, "no such operation");
    }

    private Answer secrets(String method, String[] parts, String name, byte[] body, String query) {
        if (!NAME.matcher(name).matches()) {
            return error(400, "BadParameter", null, "The secret name is invalid.");
        }
        String second = parts.length > 3 ? parts[3] : "";
        if ("PUT".equals(method) && parts.length == 3) {
            return set(name, body);
        }
        if ("DELETE".equals(method) && parts.length == 3) {
            Stored s = secrets.remove(name);
            if (s == null) {
                return notFound(name);
            }
            s.deletedAt = time.now();
            deleted.put(name, s);
            return json(200, deletedBundle(s));
        }
        Stored s = secrets.get(name);
        if (s == null) {
            return notFound(name);
        }
        if ("GET".equals(method) && "versions".equals(second)) {
            return versionsPage(s, query);
        }
        Version v = second.isEmpty() ? s.versions.get(s.latest) : s.versions.get(second);
        if (v == null) {
            return notFound(name);
        }
        if ("GET".equals(method)) {
            if (!v.enabled) {
                return error(403, "Forbidden", "SecretDisabled", "Operation get is not allowed on a disabled secret.");
            }
            return json(200, bundle(name, v, true));
        }
        if ("PATCH".equals(method)) {
            return update(name, v, body);
        }
        return error(405, "MethodNotAllowed", null, "not allowed");
    }

    private Answer set(String name, byte[] body) {
        if (deleted.containsKey(name)) {
            return error(
                    409,
                    "Conflict",
                    "ObjectIsDeletedButRecoverable",
                    "Secret is currently in a deleted but recoverable state.");
        }
        JsonNode in;
        try {
            in = JSON.readTree(body);
        } catch (IOException e) {
            return error(400, "BadParameter", null, "The body is not JSON.");
        }
        JsonNode value = in == null ? null : in.get("value");
        if (value == null || !value.isTextual()) {
            return error(400, "BadParameter", null, "Property value is required.");
        }
        if (value.asText().length() > MAX_VALUE) {
            return error(400, "BadParameter", null, "The value is too long.");
        }
        Stored s = secrets.computeIfAbsent(name, Stored::new);
        Version v = new Version(hex(16), value.asText(), text(in.get("contentType")), time.now());
        attributes(v, in.get("attributes"));
        s.versions.put(v.id, v);
        s.latest = v.id;
        return json(200, bundle(name, v, true));
    }

    private Answer update(String name, Version v, byte[] body) {
        JsonNode in;
        try {
            in = JSON.readTree(body);
        } catch (IOException e) {
            return error(400, "BadParameter", null, "The body is not JSON.");
        }
        if (in != null) {
            if (in.has("contentType")) {
                v.contentType = text(in.get("contentType"));
            }
            attributes(v, in.get("attributes"));
        }
        v.updated = time.now();
        return json(200, bundle(name, v, false));
    }

    private static void attributes(Version v, JsonNode a) {
        if (a == null || !a.isObject()) {
            return;
        }
        if (a.has("enabled")) {
            v.enabled = a.get("enabled").asBoolean(true);
        }
        if (a.has("nbf") && a.get("nbf").isNumber()) {
            v.notBefore = Instant.ofEpochSecond(a.get("nbf").asLong());
        }
        if (a.has("exp") && a.get("exp").isNumber()) {
            v.expires = Instant.ofEpochSecond(a.get("exp").asLong());
        }
    }

    private Answer versionsPage(Stored s, String query) {
        int skip = 0;
        int max = PAGE;
        for (String p : query.split("&")) {
            if (p.startsWith("maxresults=")) {
                max = Math.max(1, Math.min(PAGE, Integer.parseInt(p.substring(11))));
            } else if (p.startsWith("$skiptoken=") || p.startsWith("%24skiptoken=")) {
                skip = Integer.parseInt(p.substring(p.indexOf('=') + 1));
            }
        }
        List<Version> all = new ArrayList<>(s.versions.values());
        ObjectNode out = JSON.createObjectNode();
        ArrayNode items = out.putArray("value");
        for (int i = skip; i < Math.min(all.size(), skip + max); i++) {
            Version v = all.get(i);
            ObjectNode item = items.addObject();
            item.put("id", vaultUrl() + "/secrets/" + s.name + "/" + v.id);
            if (v.contentType != null) {
                item.put("contentType", v.contentType);
            }
            item.set("attributes", attributes(v));
        }
        if (skip + max < all.size()) {
            out.put(
                    "nextLink",
                    vaultUrl() + "/secrets/" + s.name + "/versions?api-version=7.6&maxresults=" + max + "&$skiptoken="
                            + (skip + max));
        } else {
            out.putNull("nextLink");
        }
        return json(200, out);
    }

    private Answer deletedSecrets(String method, String[] parts, String name) {
        Stored s = deleted.get(name);
        if (s == null) {
            return error(404, "SecretNotFound", null, "Deleted Secret not found: " + name);
        }
        if ("GET".equals(method) && parts.length == 3) {
            return json(200, deletedBundle(s));
        }
        if ("POST".equals(method) && parts.length == 4 && "recover".equals(parts[3])) {
            deleted.remove(name);
            s.deletedAt = null;
            secrets.put(name, s);
            return json(200, bundle(name, s.versions.get(s.latest), false));
        }
        if ("DELETE".equals(method) && parts.length == 3) {
            deleted.remove(name);
            return new Answer(204, new byte[0]);
        }
        return error(405, "MethodNotAllowed", null, "not allowed");
    }

    private ObjectNode bundle(String name, Version v, boolean withValue) {
        ObjectNode out = JSON.createObjectNode();
        if (withValue) {
            out.put("value", v.value);
        }
        out.put("id", vaultUrl() + "/secrets/" + name + "/" + v.id);
        if (v.contentType != null) {
            out.put("contentType", v.contentType);
        }
        out.set("attributes", attributes(v));
        out.putObject("tags");
        return out;
    }

    private ObjectNode deletedBundle(Stored s) {
        ObjectNode out = bundle(s.name, s.versions.get(s.latest), false);
        out.put("recoveryId", vaultUrl() + "/deletedsecrets/" + s.name);
        long at = s.deletedAt == null ? time.now().getEpochSecond() : s.deletedAt.getEpochSecond();
        out.put("deletedDate", at);
        out.put("scheduledPurgeDate", at + Duration.ofDays(90).toSeconds());
        return out;
    }

    private static ObjectNode attributes(Version v) {
        ObjectNode a = JSON.createObjectNode();
        a.put("enabled", v.enabled);
        if (v.notBefore != null) {
            a.put("nbf", v.notBefore.getEpochSecond());
        }
        if (v.expires != null) {
            a.put("exp", v.expires.getEpochSecond());
        }
        a.put("created", v.created.getEpochSecond());
        a.put("updated", v.updated.getEpochSecond());
        a.put("recoveryLevel", "Recoverable+Purgeable");
        a.put("recoverableDays", 90);
        return a;
    }

    private Answer notFound(String name) {
        return error(
                404, "SecretNotFound", null, "A secret with (name/id) " + name + " was not found in this key vault.");
    }

    private static Answer error(int status, String code, String inner, String message) {
        ObjectNode out = JSON.createObjectNode();
        ObjectNode e = out.putObject("error");
        e.put("code", code);
        e.put("message", message);
        if (inner != null) {
            e.putObject("innererror").put("code", inner);
        }
        return json(status, out);
    }

    private static Answer json(int status, JsonNode body) {
        try {
            return new Answer(status, JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void send(HttpExchange ex, Answer a) throws IOException {
        Duration delay = slow;
        if (!delay.isZero()) {
            pause(delay);
        }
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("x-ms-keyvault-service-version", "1.9.0.0");
        a.headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        Duration perByte = drip;
        if (a.status == 204) {
            ex.sendResponseHeaders(204, -1);
            return;
        }
        ex.sendResponseHeaders(a.status, a.body.length);
        OutputStream out = ex.getResponseBody();
        if (perByte == null) {
            out.write(a.body);
        } else {
            for (byte b : a.body) {
                out.write(b);
                out.flush();
                if (!pause(perByte)) {
                    break;
                }
            }
        }
        out.flush();
    }

    /** Waits on a server thread (a fault only); false when the fake is closing. */
    private static boolean pause(Duration d) {
        try {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Version version(String name, String version) {
        Stored s = secrets.get(name);
        Version v = s == null ? null : s.versions.get(version);
        if (v == null) {
            throw new IllegalStateException("no version " + version + " of secret " + name);
        }
        return v;
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a secret name matches ^[0-9a-zA-Z-]{1,127}$");
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private String hex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** The attributes of a version the owner sets: enabled, not before, expires on, content type. Immutable. */
    public static final class VersionSpec {
        private final boolean enabled;
        private final Instant notBefore;
        private final Instant expiresOn;
        private final String contentType;

        private VersionSpec(boolean enabled, Instant notBefore, Instant expiresOn, String contentType) {
            this.enabled = enabled;
            this.notBefore = notBefore;
            this.expiresOn = expiresOn;
            this.contentType = contentType;
        }

        /** Enabled, no dates, no content type. */
        public static VersionSpec defaults() {
            return new VersionSpec(true, null, null, null);
        }

        public VersionSpec enabled(boolean enabled) {
            return new VersionSpec(enabled, notBefore, expiresOn, contentType);
        }

        public VersionSpec notBefore(Instant at) {
            return new VersionSpec(enabled, at, expiresOn, contentType);
        }

        public VersionSpec expiresOn(Instant at) {
            return new VersionSpec(enabled, notBefore, at, contentType);
        }

        public VersionSpec contentType(String type) {
            return new VersionSpec(enabled, notBefore, expiresOn, type);
        }
    }

    /** One request the fake answered: method, path and status, never a value or a token. Immutable. */
    public static final class Request {
        private final String method;
        private final String path;
        private final int status;

        Request(String method, String path, int status) {
            this.method = method;
            this.path = path;
            this.status = status;
        }

        public String method() {
            return method;
        }

        public String path() {
            return path;
        }

        public int status() {
            return status;
        }

        @Override
        public String toString() {
            return method + " " + path + " " + status;
        }
    }

    /** Builds a {@link KeyVaultFake}. Not thread-safe. */
    public static final class Builder {
        private TimeSource time = TimeSource.system();

        private Builder() {}

        /** The clock of {@code created}, {@code updated} and deletion dates (default the system clock). */
        public Builder timeSource(TimeSource time) {
            this.time = Objects.requireNonNull(time, "time");
            return this;
        }

        public KeyVaultFake start() {
            return new KeyVaultFake(this);
        }
    }

    private static final class Stored {
        final String name;
        final Map<String, Version> versions = new LinkedHashMap<>();
        String latest;
        Instant deletedAt;

        Stored(String name) {
            this.name = name;
        }
    }

    private static final class Version {
        final String id;
        final String value;
        final Instant created;
        String contentType;
        boolean enabled = true;
        Instant notBefore;
        Instant expires;
        Instant updated;

        Version(String id, String value, String contentType, Instant created) {
            this.id = id;
            this.value = value;
            this.contentType = contentType;
            this.created = created;
            this.updated = created;
        }
    }

    private static final class Fault {
        final int status;
        final String code;
        final String inner;
        final Duration retryAfter;

        Fault(int status, String code, String inner, Duration retryAfter) {
            this.status = status;
            this.code = code;
            this.inner = inner;
            this.retryAfter = retryAfter;
        }
    }

    private static final class Answer {
        final int status;
        final byte[] body;
        final Map<String, String> headers = new LinkedHashMap<>();

        Answer(int status, byte[] body) {
            this.status = status;
            this.body = body;
        }
    }
}
