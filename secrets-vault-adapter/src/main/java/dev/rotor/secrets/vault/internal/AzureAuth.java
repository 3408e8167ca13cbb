package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Azure managed identity: the machine's access token from the Instance Metadata Service ({@code
 * /metadata/identity/oauth2/token?api-version=2018-02-01&resource=<resource>} with {@code Metadata: true}), fetched at
 * every login (it expires), and the machine's subscription, resource group and VM or scale-set name from {@code
 * /metadata/instance?api-version=2021-02-01} (read once), posted as {@code {role, jwt, subscription_id,
 * resource_group_name, vm_name | vmss_name}} to {@code auth/{mount}/login}. The resource must be the one Vault's
 * {@code auth/azure/config} names ({@code https://management.azure.com/} by default here, as Vault's docs use).
 */
public final class AzureAuth extends AuthMethod {
    /** The Instance Metadata Service as Azure documents it. */
    public static final String METADATA = "http://169.254.169.254";

    public static final String DEFAULT_RESOURCE = "https://management.azure.com/";

    private final String role;
    private final String resource;
    private final MetadataClient metadata;
    private final Object lock = new Object();
    private ObjectNode instance;

    private AzureAuth(String mount, String role, String resource, MetadataClient metadata) {
        super(mount);
        this.role = require(role, "Azure role");
        this.resource = require(resource, "Azure resource").strip();
        if (Text.hasControl(this.resource)) {
            throw new SecretConfigurationException("VaultAuth Azure resource must be printable text", null, null);
        }
        this.metadata = metadata;
    }

    public static AzureAuth of(String role, String resource, String metadataAddress) {
        return new AzureAuth(
                "azure",
                role,
                resource,
                new MetadataClient(metadataAddress, "Metadata", "true", "Azure metadata address"));
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = "Azure login (auth/" + mount + "/login)";
        String source = http.source();
        JsonNode token = metadata.get(
                "/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
                        + URLEncoder.encode(resource, StandardCharsets.UTF_8),
                what + ": the managed identity's token",
                ref,
                source);
        String jwt = Json.text(token, "access_token", what + ": the managed identity's token", ref, source);
        ObjectNode body = VaultHttp.object().put("role", role).put("jwt", jwt);
        body.setAll(instance(what, ref, source));
        return Logins.post(http, "auth/" + mount + "/login", body, what, ref);
    }

    /** subscription_id, resource_group_name and vm_name or vmss_name, from the instance metadata (read once). */
    private ObjectNode instance(String what, SecretRef ref, String source) {
        synchronized (lock) {
            if (instance == null) {
                String w = what + ": the instance metadata";
                JsonNode answer = metadata.get("/metadata/instance?api-version=2021-02-01", w, ref, source);
                JsonNode compute = Json.object(answer, "compute", w, ref, source);
                ObjectNode fields = VaultHttp.object()
                        .put("subscription_id", Json.text(compute, "subscriptionId", w, ref, source))
                        .put("resource_group_name", Json.text(compute, "resourceGroupName", w, ref, source));
                String vmss = Json.optionalText(compute, "vmScaleSetName", w, ref, source);
                if (vmss != null && !vmss.isEmpty()) {
                    fields.put("vmss_name", vmss);
                } else {
                    fields.put("vm_name", Json.text(compute, "name", w, ref, source));
                }
                instance = fields;
            }
            return instance.deepCopy();
        }
    }

    @Override
    public String method() {
        return "azure";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new AzureAuth(mount, role, resource, metadata);
    }

    @Override
    public String toString() {
        return "VaultAuth{azure, mount=" + mount + ", role=" + role + ", resource=" + resource + ", metadata="
                + metadata.base() + "}";
    }
}
