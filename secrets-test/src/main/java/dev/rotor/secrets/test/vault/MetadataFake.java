package dev.rotor.secrets.test.vault;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rotor.secrets.TimeSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cloud instance metadata service on {@code 127.0.0.1} and a free port, answering as Google's and Azure's are
 * documented, with tokens signed by a key the test holds (and registers with {@link VaultFakeCloudAuth}):
 *
 * <ul>
 *   <li>{@link #gcp}: {@code GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=A&format=F}
 *       needs {@code Metadata-Flavor: Google} (else 403) and an audience (else 400); answers the bare JWT, RS256,
 *       {@code iss https://accounts.google.com}, {@code aud} A, {@code email} the service account, one hour long,
 *       with {@code google.compute_engine} claims when F is {@code full}.
 *   <li>{@link #azure}: {@code GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=R} and {@code GET
 *       /metadata/instance?api-version=...} need {@code Metadata: true} (else 400, as IMDS answers) and an {@code
 *       api-version}; the token is RS256, {@code iss https://sts.windows.net/<tenant>/}, {@code aud} R, {@code
 *       xms_mirid} the VM's (or scale set's) resource id, one day long, in {@code {access_token, expires_in,
 *       expires_on, resource, token_type}}; the instance answer carries {@code compute.subscriptionId}, {@code
 *       resourceGroupName}, {@code name} and {@code vmScaleSetName}.
 * </ul>
 *
 * Tokens are stamped with the injected clock. Thread-safe. {@link #toString()} shows no token.
 */
public final class MetadataFake implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TimeSource clock;
    private final PrivateKey key;
    private final String kid;
    private final Map<String, String> identity;
    private final boolean google;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicInteger tokens = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    private MetadataFake(TimeSource clock, PrivateKey key, String kid, Map<String, String> identity, boolean google) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.key = Objects.requireNonNull(key, "key");
        this.kid = kid;
        this.identity = Map.copyOf(identity);
        this.google = google;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException("MetadataFake could not bind 127.0.0.1", e);
        }
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "metadata-fake");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        server.start();
    }

    /** Google's metadata server for a VM whose default service account is {@code serviceAccountEmail}. */
    public static MetadataFake gcp(TimeSource clock, PrivateKey googleKey, String serviceAccountEmail) {
        return new MetadataFake(clock, googleKey, "google-key-1", Map.of("email", serviceAccountEmail), true);
    }

    /**
     * Azure's IMDS for a VM ({@code vmScaleSet} null) or a scale-set instance with a system-assigned identity in
     * {@code tenantId}.
     */
    public static MetadataFake azure(
            TimeSource clock,
            PrivateKey tenantKey,
            String tenantId,
            String subscriptionId,
            String resourceGroup,
            String vmName,
            String vmScaleSet) {
        Map<String, String> id = new LinkedHashMap<>();
        id.put("tenant", tenantId);
        id.put("subscription", subscriptionId);
        id.put("resourceGroup", resourceGroup);
        id.put("vm", vmName);
        id.put("vmss", vmScaleSet == null ? "" : vmScaleSet);
        return new MetadataFake(clock, tenantKey, "azure-key-1", id, false);
    }

    /** {@code http://127.0.0.1:<port>}: the metadata address to give the login. */
    public String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** How many tokens were handed out. */
    public int tokensIssued() {
        return tokens.get();
    }

    /** How many requests were refused (a missing header, a missing parameter, an unknown path). */
    public int refused() {
        return refused.get();
    }

    private void exchange(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getRawPath();
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            int status;
            String type = "application/json";
            byte[] out;
            if (!"GET".equals(ex.getRequestMethod())) {
                status = 405;
                out = new byte[0];
            } else if (google) {
                if (!"Google".equals(ex.getRequestHeaders().getFirst("Metadata-Flavor"))) {
                    status = 403;
                    type = "text/html";
                    out = "Missing required header: Metadata-Flavor".getBytes(StandardCharsets.UTF_8);
                } else if (!path.equals("/computeMetadata/v1/instance/service-accounts/default/identity")) {
                    status = 404;
                    out = new byte[0];
                } else if (q.getOrDefault("audience", "").isEmpty()) {
                    status = 400;
                    type = "text/plain";
                    out = "non-empty audience parameter required".getBytes(StandardCharsets.UTF_8);
                } else {
                    status = 200;
                    type = "text/html";
                    out = gcpToken(q.get("audience"), "full".equals(q.get("format")))
                            .getBytes(StandardCharsets.UTF_8);
                    tokens.incrementAndGet();
                }
            } else {
                if (!"true".equals(ex.getRequestHeaders().getFirst("Metadata"))) {
                    status = 400;
                    out = error("bad_request", "Required metadata header not specified");
                } else if (q.getOrDefault("api-version", "").isEmpty()) {
                    status = 400;
                    out = error("bad_request", "Required query variable 'api-version' is missing");
                } else if (path.equals("/metadata/identity/oauth2/token")) {
                    if (q.getOrDefault("resource", "").isEmpty()) {
                        status = 400;
                        out = error("invalid_request", "Required query variable 'resource' is missing");
                    } else {
                        status = 200;
                        out = azureTokenAnswer(q.get("resource"));
                        tokens.incrementAndGet();
                    }
                } else if (path.equals("/metadata/instance")) {
                    status = 200;
                    out = azureInstance();
                } else {
                    status = 404;
                    out = error("not_found", "Path not found");
                }
            }
            if (status != 200) {
                refused.incrementAndGet();
            }
            if (out.length > 0) {
                ex.getResponseHeaders().set("Content-Type", type);
            }
            ex.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out);
                }
            }
        } finally {
            ex.close();
        }
    }

    private String gcpToken(String audience, boolean full) {
        long now = clock.now().getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", "https://accounts.google.com");
        claims.put("aud", audience);
        claims.put("azp", "112233445566778899000");
        claims.put("sub", "112233445566778899000");
        claims.put("email", identity.get("email"));
        claims.put("email_verified", true);
        claims.put("iat", now);
        claims.put("exp", now + 3600);
        if (full) {
            claims.put(
                    "google",
                    Map.of(
                            "compute_engine",
                            Map.of(
                                    "project_id", "rotor-test",
                                    "project_number", 123456789012L,
                                    "zone", "europe-west1-b",
                                    "instance_id", "4242424242",
                                    "instance_name", "orders-1")));
        }
        return FakeJwt.sign(key, kid, claims);
    }

    private String resourceId() {
        String vmss = identity.get("vmss");
        return "/subscriptions/" + identity.get("subscription") + "/resourcegroups/" + identity.get("resourceGroup")
                + "/providers/Microsoft.Compute/"
                + (vmss.isEmpty() ? "virtualMachines/" + identity.get("vm") : "virtualMachineScaleSets/" + vmss);
    }

    /**
     * The token this service hands out at the clock's current time for {@code audience} (Google, with {@code
     * format=full}) or {@code resource} (Azure): RS256 signatures are deterministic, so a leak test can plant it
     * before the login fetches it.
     */
    public String token(String audienceOrResource) {
        return google ? gcpToken(audienceOrResource, true) : azureToken(audienceOrResource);
    }

    private String azureToken(String resource) {
        Instant now = clock.now();
        long iat = now.getEpochSecond();
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("aud", resource);
        claims.put("iss", "https://sts.windows.net/" + identity.get("tenant") + "/");
        claims.put("iat", iat);
        claims.put("nbf", iat);
        claims.put("exp", iat + 86_400);
        claims.put("oid", "0f0e0d0c-0b0a-0908-0706-050403020100");
        claims.put("sub", "0f0e0d0c-0b0a-0908-0706-050403020100");
        claims.put("tid", identity.get("tenant"));
        claims.put("xms_mirid", resourceId());
        return FakeJwt.sign(key, kid, claims);
    }

    private byte[] azureTokenAnswer(String resource) throws IOException {
        long iat = clock.now().getEpochSecond();
        String jwt = azureToken(resource);
        ObjectNode n = JSON.createObjectNode();
        n.put("access_token", jwt);
        n.put("client_id", "00112233-4455-6677-8899-aabbccddeeff");
        n.put("expires_in", "86400");
        n.put("expires_on", Long.toString(iat + 86_400));
        n.put("ext_expires_in", "86399");
        n.put("not_before", Long.toString(iat));
        n.put("resource", resource);
        n.put("token_type", "Bearer");
        return JSON.writeValueAsBytes(n);
    }

    private byte[] azureInstance() throws IOException {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode c = n.putObject("compute");
        c.put("azEnvironment", "AzurePublicCloud");
        c.put("location", "westeurope");
        c.put("name", identity.get("vm"));
        c.put("resourceGroupName", identity.get("resourceGroup"));
        c.put("resourceId", resourceId());
        c.put("subscriptionId", identity.get("subscription"));
        c.put("vmScaleSetName", identity.get("vmss"));
        c.put("vmId", "02aab8a4-74ef-476e-8182-f6d2ba4166a6");
        n.putObject("network").putArray("interface");
        return JSON.writeValueAsBytes(n);
    }

    private static byte[] error(String error, String description) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("error", error);
        n.put("error_description", description);
        return JSON.writeValueAsBytes(n);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String kv : List.of(raw.split("&"))) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            q.putIfAbsent(k, v);
        }
        return q;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "MetadataFake{" + (google ? "gcp" : "azure") + ", " + address() + "}";
    }
}
