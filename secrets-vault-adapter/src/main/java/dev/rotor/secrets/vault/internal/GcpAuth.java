package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;

/**
 * Google Cloud: {@code {role, jwt}} posted to {@code auth/{mount}/login}. The JWT comes one of two ways, fresh at every
 * login:
 *
 * <ul>
 *   <li>{@code gce}: from the metadata server of the VM or GKE node ({@code
 *       /computeMetadata/v1/instance/service-accounts/default/identity?audience=vault/<role>&format=full} with {@code
 *       Metadata-Flavor: Google}), signed by Google, for a Vault role of type {@code gce} (or {@code iam}).
 *   <li>{@code iam}: self-signed with the private key of a service-account key file (the JSON file Google hands out),
 *       RS256, {@code sub} the key's {@code client_email}, {@code aud} {@code vault/<role>}, valid for {@value
 *       #JWT_VALIDITY_MINUTES} minutes, under the 15 minutes Vault's {@code max_jwt_exp} allows by default. The file is
 *       read at every login and the key is dropped after the signature.
 * </ul>
 */
public final class GcpAuth extends AuthMethod {
    /** The metadata server as Google documents it for GCE and GKE. */
    public static final String METADATA = "http://metadata.google.internal";

    static final int JWT_VALIDITY_MINUTES = 10;

    private final String role;
    private final MetadataClient metadata;
    private final Path keyFile;

    private GcpAuth(String mount, String role, MetadataClient metadata, Path keyFile) {
        super(mount);
        this.role = require(role, "GCP role");
        if (Text.hasControl(role) || role.contains("/")) {
            throw new SecretConfigurationException("VaultAuth GCP role is not a valid role name", null, null);
        }
        this.metadata = metadata;
        this.keyFile = keyFile;
    }

    /** A {@code gce} login with the identity token of the instance's default service account. */
    public static GcpAuth gce(String role, String metadataAddress) {
        return new GcpAuth(
                "gcp",
                role,
                new MetadataClient(metadataAddress, "Metadata-Flavor", "Google", "GCP metadata address"),
                null);
    }

    /** An {@code iam} login with a JWT self-signed by a service-account key file. */
    public static GcpAuth iam(String role, Path serviceAccountKey) {
        if (serviceAccountKey == null) {
            throw new SecretConfigurationException("VaultAuth GCP service-account key file must be set", null, null);
        }
        return new GcpAuth("gcp", role, null, serviceAccountKey);
    }

    String audience() {
        return "vault/" + role;
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = "GCP login (auth/" + mount + "/login)";
        String jwt = metadata != null ? identityToken(what, ref, http.source()) : selfSigned(http, what, ref);
        return Logins.post(
                http,
                "auth/" + mount + "/login",
                VaultHttp.object().put("role", role).put("jwt", jwt),
                what,
                ref);
    }

    private String identityToken(String what, SecretRef ref, String source) {
        return metadata.getText(
                "/computeMetadata/v1/instance/service-accounts/default/identity?audience="
                        + URLEncoder.encode(audience(), StandardCharsets.UTF_8) + "&format=full",
                what + ": the instance's identity token",
                ref,
                source);
    }

    private String selfSigned(VaultHttp http, String what, SecretRef ref) {
        String source = http.source();
        String json =
                readFile(keyFile, "VaultAuth.gcpIam service-account key", what + ": reading the key", ref, source);
        JsonNode key;
        try {
            key = VaultHttp.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new SecretConfigurationException(
                    what + ": the service-account key " + keyFile + " is not JSON", ref, source);
        }
        if (key == null || !key.isObject()) {
            throw new SecretConfigurationException(
                    what + ": the service-account key " + keyFile + " is not a JSON object", ref, source);
        }
        String email = keyField(key, "client_email", what, ref, source);
        String pem = keyField(key, "private_key", what, ref, source);
        String keyId = key.path("private_key_id").isTextual()
                ? key.get("private_key_id").asText()
                : null;
        return signedJwt(
                privateKey(pem, what, ref, source), keyId, email, http.clock().now(), what, ref, source);
    }

    /** An RS256 JWT for Vault's {@code iam} role type, issued at {@code now}. */
    String signedJwt(
            PrivateKey key, String keyId, String email, Instant now, String what, SecretRef ref, String source) {
        ObjectNode header = VaultHttp.object().put("alg", "RS256").put("typ", "JWT");
        if (keyId != null) {
            header.put("kid", keyId);
        }
        long iat = now.getEpochSecond();
        ObjectNode claims = VaultHttp.object()
                .put("sub", email)
                .put("aud", audience())
                .put("iat", iat)
                .put("exp", iat + Duration.ofMinutes(JWT_VALIDITY_MINUTES).toSeconds());
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        try {
            String input = b64.encodeToString(VaultHttp.MAPPER.writeValueAsBytes(header)) + "."
                    + b64.encodeToString(VaultHttp.MAPPER.writeValueAsBytes(claims));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key);
            rs256.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + b64.encodeToString(rs256.sign());
        } catch (JsonProcessingException | GeneralSecurityException e) {
            throw new SecretConfigurationException(
                    what + ": the JWT could not be signed with the service-account key ("
                            + e.getClass().getSimpleName() + ")",
                    ref,
                    source);
        }
    }

    private String keyField(JsonNode key, String field, String what, SecretRef ref, String source) {
        JsonNode n = key.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw new SecretConfigurationException(
                    what + ": the service-account key " + keyFile + " has no '" + field + "'", ref, source);
        }
        return n.asText();
    }

    private PrivateKey privateKey(String pem, String what, SecretRef ref, String source) {
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) {
            throw new SecretConfigurationException(
                    what + ": the service-account key " + keyFile + " has no PKCS#8 private key", ref, source);
        }
        byte[] der = null;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException x) {
            throw new SecretConfigurationException(
                    what + ": the service-account key " + keyFile + " has no valid RSA private key", ref, source);
        } finally {
            if (der != null) {
                Arrays.fill(der, (byte) 0);
            }
        }
    }

    @Override
    public String method() {
        return "gcp";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new GcpAuth(mount, role, metadata, keyFile);
    }

    @Override
    public String toString() {
        return "VaultAuth{gcp (" + (metadata != null ? "gce, metadata=" + metadata.base() : "iam, key=" + keyFile)
                + "), mount=" + mount + ", role=" + role + "}";
    }
}
