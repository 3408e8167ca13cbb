package dev.rotor.secrets.vault;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.util.Map;
import java.util.UUID;

/**
 * WireMock stubs answering as HashiCorp Vault's HTTP API documents: the response envelope ({@code request_id},
 * {@code lease_id}, {@code renewable}, {@code lease_duration}, {@code data}, {@code wrap_info}, {@code warnings},
 * {@code auth}) and the error body {@code {"errors":[...]}}. Reusable by any test that stands in for Vault.
 */
public final class VaultStubs {
    static final ObjectMapper JSON = new ObjectMapper();

    private final WireMockServer wm;

    public VaultStubs(WireMockServer wm) {
        this.wm = wm;
    }

    // ---- bodies ----

    /** The envelope every Vault answer shares. */
    public static ObjectNode envelope() {
        ObjectNode n = JSON.createObjectNode();
        n.put("request_id", UUID.randomUUID().toString());
        n.put("lease_id", "");
        n.put("renewable", false);
        n.put("lease_duration", 0);
        n.putNull("data");
        n.putNull("wrap_info");
        n.putNull("warnings");
        n.putNull("auth");
        return n;
    }

    /** A login answer ({@code auth/<method>/login}, {@code auth/token/renew-self}). */
    public static String authBody(String token, long ttl, boolean renewable) {
        ObjectNode n = envelope();
        ObjectNode auth = n.putObject("auth");
        auth.put("client_token", token);
        auth.put("accessor", "accessor-" + Math.abs(token.hashCode()));
        auth.putArray("policies").add("default").add("app");
        auth.putArray("token_policies").add("default").add("app");
        auth.putObject("metadata").put("role_name", "app");
        auth.put("lease_duration", ttl);
        auth.put("renewable", renewable);
        auth.put("entity_id", "7d2e3179-f69b-450c-7179-ac8ee8bd8ca9");
        auth.put("token_type", "service");
        auth.put("orphan", true);
        return n.toString();
    }

    public static ResponseDefinitionBuilder ok(String body) {
        return aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(body);
    }

    public static ResponseDefinitionBuilder noContent() {
        return aResponse().withStatus(204);
    }

    /** Vault's error answer. */
    public static ResponseDefinitionBuilder error(int status, String... errors) {
        ObjectNode n = JSON.createObjectNode();
        var arr = n.putArray("errors");
        for (String e : errors) {
            arr.add(e);
        }
        return aResponse()
                .withStatus(status)
                .withHeader("Content-Type", "application/json")
                .withBody(n.toString());
    }

    // ---- auth ----

    public MappingBuilder appRoleLogin(String token, long ttl, boolean renewable) {
        return stub(post(urlEqualTo("/v1/auth/approle/login")).willReturn(ok(authBody(token, ttl, renewable))));
    }

    /** AppRole logins answered with {@code first} once, then with {@code later} every time after. */
    public void appRoleLogins(ResponseDefinitionBuilder first, ResponseDefinitionBuilder later) {
        wm.stubFor(post(urlEqualTo("/v1/auth/approle/login"))
                .inScenario("login")
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(first)
                .willSetStateTo("later"));
        wm.stubFor(post(urlEqualTo("/v1/auth/approle/login"))
                .inScenario("login")
                .whenScenarioStateIs("later")
                .willReturn(later));
    }

    public MappingBuilder login(String path, String token, long ttl, boolean renewable) {
        return stub(post(urlEqualTo("/v1/" + path)).willReturn(ok(authBody(token, ttl, renewable))));
    }

    /** {@code auth/token/lookup-self} for a given token without an explicit max TTL. */
    public MappingBuilder lookupSelf(String token, long ttl, boolean renewable) {
        return lookupSelf(token, ttl, renewable, 0, 1523979354);
    }

    /**
     * {@code auth/token/lookup-self} for a given token: {@code explicitMaxTtl} in seconds (0: none set), {@code
     * creationTime} in Unix seconds.
     */
    public MappingBuilder lookupSelf(
            String token, long ttl, boolean renewable, long explicitMaxTtl, long creationTime) {
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        d.put("accessor", "8609694a-cdbc-db9b-d345-e782dbb562ed");
        d.put("creation_time", creationTime);
        d.put("creation_ttl", ttl);
        d.put("display_name", "token");
        d.put("entity_id", "");
        if (ttl > 0) {
            d.put(
                    "expire_time",
                    java.time.Instant.ofEpochSecond(creationTime + ttl).toString());
        } else {
            d.putNull("expire_time");
        }
        d.put("explicit_max_ttl", explicitMaxTtl);
        d.put("id", token);
        d.put("issue_time", java.time.Instant.ofEpochSecond(creationTime).toString());
        d.putNull("meta");
        d.put("num_uses", 0);
        d.put("orphan", false);
        d.put("path", "auth/token/create");
        d.putArray("policies").add("default").add("app");
        d.put("renewable", renewable);
        d.put("ttl", ttl);
        d.put("type", "service");
        return stub(get(urlEqualTo("/v1/auth/token/lookup-self"))
                .withHeader("X-Vault-Token", equalTo(token))
                .willReturn(ok(n.toString())));
    }

    public MappingBuilder renewSelf(String token, long ttl) {
        return stub(post(urlEqualTo("/v1/auth/token/renew-self"))
                .withHeader("X-Vault-Token", equalTo(token))
                .willReturn(ok(authBody(token, ttl, true))));
    }

    public MappingBuilder revokeSelf() {
        return stub(post(urlEqualTo("/v1/auth/token/revoke-self")).willReturn(noContent()));
    }

    /** {@code sys/wrapping/unwrap} that answers once and then refuses the used wrapping token, as Vault does. */
    public void unwrapOnce(String wrappingToken, String secretId) {
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        d.put("secret_id", secretId);
        d.put("secret_id_accessor", "84896a0c-1347-aa90-a4f6-aca8b7558780");
        d.put("secret_id_num_uses", 0);
        d.put("secret_id_ttl", 0);
        wm.stubFor(post(urlEqualTo("/v1/sys/wrapping/unwrap"))
                .inScenario("unwrap")
                .whenScenarioStateIs(Scenario.STARTED)
                .withHeader("X-Vault-Token", equalTo(wrappingToken))
                .willReturn(ok(n.toString()))
                .willSetStateTo("used"));
        wm.stubFor(post(urlEqualTo("/v1/sys/wrapping/unwrap"))
                .inScenario("unwrap")
                .whenScenarioStateIs("used")
                .willReturn(error(400, "wrapping token is not valid or does not exist")));
    }

    // ---- mounts and KV ----

    /** {@code sys/internal/ui/mounts/<path>} for every path under {@code mount}. */
    public MappingBuilder mount(String mount, String type, String kvVersion) {
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        d.put("accessor", type + "_3f1b2f1e");
        ObjectNode config = d.putObject("config");
        config.put("default_lease_ttl", 0);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", 0);
        d.put("description", "");
        d.put("external_entropy_access", false);
        d.put("local", false);
        if (kvVersion == null) {
            d.putNull("options");
        } else {
            d.putObject("options").put("version", kvVersion);
        }
        d.put("path", mount + "/");
        d.put("seal_wrap", false);
        d.put("type", type);
        d.put("uuid", "e57fb5e5-2a3d-5c4b-ba8f-b2d3d1f4c5a7");
        return stub(get(urlPathMatching("/v1/sys/internal/ui/mounts/" + mount + "/.*"))
                .willReturn(ok(n.toString())));
    }

    public static String kv2Body(long version, Map<String, ?> fields) {
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        d.set("data", JSON.valueToTree(fields));
        ObjectNode m = d.putObject("metadata");
        m.put("created_time", "2026-11-25T09:00:00.000000Z");
        m.putNull("custom_metadata");
        m.put("deletion_time", "");
        m.put("destroyed", false);
        m.put("version", version);
        return n.toString();
    }

    public MappingBuilder kv2(String mount, String path, long version, Map<String, ?> fields) {
        return stub(get(urlPathEqualTo("/v1/" + mount + "/data/" + path)).willReturn(ok(kv2Body(version, fields))));
    }

    public MappingBuilder kv2Metadata(String mount, String path, long currentVersion) {
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        d.put("cas_required", false);
        d.put("created_time", "2026-11-25T09:00:00.000000Z");
        d.put("current_version", currentVersion);
        d.putNull("custom_metadata");
        d.put("delete_version_after", "0s");
        d.put("max_versions", 0);
        d.put("oldest_version", 0);
        d.put("updated_time", "2026-11-25T09:00:00.000000Z");
        ObjectNode versions = d.putObject("versions");
        for (long v = 1; v <= currentVersion; v++) {
            ObjectNode one = versions.putObject(Long.toString(v));
            one.put("created_time", "2026-11-25T09:00:00.000000Z");
            one.put("deletion_time", "");
            one.put("destroyed", false);
        }
        return stub(get(urlEqualTo("/v1/" + mount + "/metadata/" + path)).willReturn(ok(n.toString())));
    }

    public static String kv1Body(Map<String, ?> fields) {
        ObjectNode n = envelope();
        n.put("lease_duration", 2764800);
        n.set("data", JSON.valueToTree(fields));
        return n.toString();
    }

    public MappingBuilder kv1(String path, Map<String, ?> fields) {
        return stub(get(urlEqualTo("/v1/" + path)).willReturn(ok(kv1Body(fields))));
    }

    // ---- dynamic and static-role credentials ----

    public static String leasedBody(String leaseId, long ttl, boolean renewable, Map<String, ?> data) {
        ObjectNode n = envelope();
        n.put("lease_id", leaseId);
        n.put("renewable", renewable);
        n.put("lease_duration", ttl);
        n.set("data", JSON.valueToTree(data));
        return n.toString();
    }

    public static String leaseRenewBody(String leaseId, long ttl) {
        ObjectNode n = JSON.createObjectNode();
        n.put("lease_id", leaseId);
        n.put("renewable", true);
        n.put("lease_duration", ttl);
        return n.toString();
    }

    public MappingBuilder leaseRenew(String leaseId, long ttl) {
        return stub(put(urlEqualTo("/v1/sys/leases/renew"))
                .withRequestBody(matchingJsonPath("$.lease_id", equalTo(leaseId)))
                .willReturn(ok(leaseRenewBody(leaseId, ttl))));
    }

    public MappingBuilder leaseRevoke() {
        return stub(put(urlEqualTo("/v1/sys/leases/revoke")).willReturn(noContent()));
    }

    public static String staticCredsBody(String user, String password, long ttl, long period, String lastRotation) {
        ObjectNode n = envelope();
        ObjectNode d = n.putObject("data");
        d.put("last_vault_rotation", lastRotation);
        d.put("password", password);
        d.put("rotation_period", period);
        d.put("ttl", ttl);
        d.put("username", user);
        return n.toString();
    }

    private MappingBuilder stub(MappingBuilder b) {
        wm.stubFor(b);
        return b;
    }
}
