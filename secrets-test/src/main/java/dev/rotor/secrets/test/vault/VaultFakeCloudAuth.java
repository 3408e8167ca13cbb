package dev.rotor.secrets.test.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.TimeSource;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The logins of {@link VaultFake} that prove an identity to a third party: AWS IAM, Google Cloud ({@code iam} and
 * {@code gce}), Azure managed identity and LDAP, with the checks Vault documents, on the fake's clock. Get it from
 * {@link VaultFake#cloudAuth()}; every seeding method mounts its auth method at the given path.
 *
 * <ul>
 *   <li><b>AWS</b> ({@code auth/<mount>/login}, type {@code aws}): the base64 fields are decoded; the method must be
 *       {@code POST}, the URL the mount's STS endpoint ({@code https://sts.amazonaws.com/} unless {@link #awsSts} says
 *       otherwise), the body {@code Action=GetCallerIdentity&Version=2011-06-15}. The {@code Authorization} header
 *       must be {@code AWS4-HMAC-SHA256} with a credential scope {@code <date>/<sts region>/sts/aws4_request}, its
 *       {@code SignedHeaders} must cover {@code host} and {@code x-amz-date} (and {@code x-vault-aws-iam-server-id}
 *       when the mount has a server id, whose value must match), {@code X-Amz-Date} must be within 15 minutes of the
 *       clock, and the signature is recomputed with the secret key registered for the access key ({@link
 *       #awsAccessKey}), as STS does: a mismatch, an unknown or removed key, or a wrong session token is refused with
 *       the 400 Vault answers when STS refused ({@code received error code 403 from STS}). The key's principal ARN must
 *       match the role's bound ARN (a trailing {@code *} is a prefix).
 *   <li><b>GCP</b> (type {@code gcp}): the JWT must be RS256; for an {@code iam} role its signature must verify under
 *       a key registered for its {@code sub} ({@link #gcpServiceAccountKey}), its {@code exp} must be at most 15
 *       minutes after its {@code iat} and after now ({@code max_jwt_exp}); for a {@code gce} role it must verify under
 *       Google's key ({@link #gcpGoogleKey}) and name the service account in {@code email}. Both: {@code aud} {@code
 *       vault/<role>} (also with an {@code http(s)://} prefix), not expired, the account among the role's bound ones.
 *   <li><b>Azure</b> (type {@code azure}): the JWT must verify under the tenant's key ({@link #azureConfig}), be issued
 *       by {@code https://sts.windows.net/<tenant>/} for the configured resource, not be expired; its {@code
 *       xms_mirid} must name the {@code subscription_id}, {@code resource_group_name} and {@code vm_name} or {@code
 *       vmss_name} posted; the subscription and the resource group must be among the role's bound ones.
 *   <li><b>LDAP</b> (type {@code ldap}, {@code auth/<mount>/login/<username>}): users with a password and groups; the
 *       token gets the mount's policies and those of the user's groups ({@link #ldapGroup}).
 * </ul>
 *
 * Refusals are answered with 400 and a reason, as Vault answers them. Each success issues a token the way the fake's
 * other logins do. Thread-safe, through the fake's lock. {@link #toString()} shows no credential.
 */
public final class VaultFakeCloudAuth {
    static final Set<String> TYPES = Set.of("aws", "gcp", "azure", "ldap");
    static final String GET_CALLER_IDENTITY = "Action=GetCallerIdentity&Version=2011-06-15";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_SKEW = Duration.ofMinutes(15);
    private static final Duration GCP_MAX_JWT_EXP = Duration.ofMinutes(15);
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Object lock;
    private final TimeSource clock;
    private final BiConsumer<String, String> mounter;

    // ---- guarded by lock ----
    private final Map<String, AwsKey> awsKeys = new LinkedHashMap<>();
    private final Map<String, AwsMount> awsMounts = new LinkedHashMap<>();
    private final Map<String, List<PublicKey>> gcpKeys = new LinkedHashMap<>();
    private final List<PublicKey> googleKeys = new ArrayList<>();
    private final Map<String, Map<String, GcpRole>> gcpRoles = new LinkedHashMap<>();
    private final Map<String, AzureMount> azureMounts = new LinkedHashMap<>();
    private final Map<String, LdapMount> ldapMounts = new LinkedHashMap<>();
    private final List<String> awsKeysUsed = new ArrayList<>();

    VaultFakeCloudAuth(Object lock, TimeSource clock, BiConsumer<String, String> mounter) {
        this.lock = lock;
        this.clock = clock;
        this.mounter = mounter;
    }

    /** What a successful login grants: the token's display name, its policies and its TTLs. */
    static final class Grant {
        final String display;
        final List<String> policies;
        final TokenSpec spec;

        Grant(String display, List<String> policies, TokenSpec spec) {
            this.display = display;
            this.policies = List.copyOf(policies);
            this.spec = spec;
        }
    }

    /** A refused login: Vault's status and reason. */
    static final class Denied extends RuntimeException {
        final int status;

        Denied(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    // ======================================================================================================
    // AWS
    // ======================================================================================================

    /**
     * An IAM access key STS knows: its secret key, its session token (null for a long-term key) and the ARN of the
     * principal it belongs to ({@code arn:aws:iam::123456789012:role/orders}).
     */
    public VaultFakeCloudAuth awsAccessKey(
            String accessKeyId, String secretAccessKey, String sessionToken, String principalArn) {
        synchronized (lock) {
            awsKeys.put(
                    Objects.requireNonNull(accessKeyId, "accessKeyId"),
                    new AwsKey(
                            Objects.requireNonNull(secretAccessKey, "secretAccessKey"),
                            sessionToken,
                            Objects.requireNonNull(principalArn, "principalArn")));
            return this;
        }
    }

    /** Deactivates an access key (a rotated-out key): a request it signed is refused. */
    public VaultFakeCloudAuth removeAwsAccessKey(String accessKeyId) {
        synchronized (lock) {
            awsKeys.remove(accessKeyId);
            return this;
        }
    }

    /** An {@code iam} role at {@code auth/<mount>} bound to {@code boundIamPrincipalArn} (a trailing {@code *}: prefix). */
    public VaultFakeCloudAuth awsRole(String mount, String role, String boundIamPrincipalArn, TokenSpec spec) {
        synchronized (lock) {
            awsMount(mount).roles.put(role, new Bound(List.of(boundIamPrincipalArn), spec));
            return this;
        }
    }

    /** The mount's {@code iam_server_id_header_value} ({@code auth/<mount>/config/client}); null: none required. */
    public VaultFakeCloudAuth awsServerId(String mount, String value) {
        synchronized (lock) {
            awsMount(mount).serverId = value;
            return this;
        }
    }

    /** The mount's {@code sts_endpoint} and {@code sts_region} (default {@code https://sts.amazonaws.com}, us-east-1). */
    public VaultFakeCloudAuth awsSts(String mount, String endpoint, String region) {
        synchronized (lock) {
            AwsMount m = awsMount(mount);
            m.stsEndpoint = endpoint;
            m.stsRegion = region;
            return this;
        }
    }

    /** The access key ids of the accepted AWS logins, oldest first. */
    public List<String> awsAccessKeysUsed() {
        synchronized (lock) {
            return List.copyOf(awsKeysUsed);
        }
    }

    private AwsMount awsMount(String mount) {
        String m = strip(mount);
        mounter.accept(m, "aws");
        return awsMounts.computeIfAbsent(m, k -> new AwsMount());
    }

    private Grant awsLogin(String mount, JsonNode body) {
        AwsMount m = awsMounts.get(mount);
        String roleName = text(body, "role");
        Bound role = m == null || roleName == null ? null : m.roles.get(roleName);
        if (role == null) {
            throw new Denied(400, "entry for role " + roleName + " not found");
        }
        String method = text(body, "iam_http_request_method");
        if (!"POST".equals(method)) {
            throw new Denied(400, "invalid iam_http_request_method; only POST is supported");
        }
        String url = decode64(body, "iam_request_url");
        String requestBody = decode64(body, "iam_request_body");
        JsonNode headerJson;
        try {
            headerJson = JSON.readTree(decode64(body, "iam_request_headers"));
        } catch (IOException e) {
            throw new Denied(400, "error parsing iam_request_headers");
        }
        if (headerJson == null || !headerJson.isObject()) {
            throw new Denied(400, "error parsing iam_request_headers");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new Denied(400, "error parsing iam_request_url");
        }
        if (!withSlash(url).equals(withSlash(m.stsEndpoint)) || uri.getRawQuery() != null) {
            throw new Denied(400, "iam_request_url does not name the configured STS endpoint");
        }
        if (!GET_CALLER_IDENTITY.equals(requestBody)) {
            throw new Denied(400, "iam_request_body must be a GetCallerIdentity request");
        }
        // header names are case-insensitive; values may be a string or a list of strings
        Map<String, List<String>> headers = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : headerJson.properties()) {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
            } else {
                values.add(e.getValue().asText());
            }
            headers.computeIfAbsent(e.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .addAll(values);
        }
        headers.putIfAbsent("host", List.of(uri.getHost()));
        String authorization = first(headers, "authorization");
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
            throw new Denied(400, "missing or unsupported Authorization header");
        }
        Map<String, String> auth = authParts(authorization.substring("AWS4-HMAC-SHA256 ".length()));
        String credential = auth.get("Credential");
        String signedHeaders = auth.get("SignedHeaders");
        String signature = auth.get("Signature");
        if (credential == null || signedHeaders == null || signature == null) {
            throw new Denied(400, "malformed Authorization header");
        }
        String[] scope = credential.split("/", -1);
        if (scope.length != 5 || !scope[3].equals("sts") || !scope[4].equals("aws4_request")) {
            throw new Denied(400, "the credential scope is not <key>/<date>/<region>/sts/aws4_request");
        }
        List<String> signed = List.of(signedHeaders.split(";", -1));
        if (!signed.contains("host") || !signed.contains("x-amz-date")) {
            throw new Denied(400, "the signed headers must include host and x-amz-date");
        }
        if (m.serverId != null) {
            String sid = first(headers, "x-vault-aws-iam-server-id");
            if (sid == null) {
                throw new Denied(400, "missing header \"X-Vault-AWS-IAM-Server-ID\"");
            }
            if (!sid.equals(m.serverId)) {
                throw new Denied(400, "expected \"" + m.serverId + "\" but got \"" + sid + "\"");
            }
            if (!signed.contains("x-vault-aws-iam-server-id")) {
                throw new Denied(400, "vault header wasn't signed");
            }
        }
        // what STS checks
        if (!scope[2].equals(m.stsRegion)) {
            throw sts("SignatureDoesNotMatch: credential should be scoped to a valid region");
        }
        String amzDate = first(headers, "x-amz-date");
        Instant signedAt;
        try {
            signedAt = Instant.from(AMZ_DATE.parse(amzDate == null ? "" : amzDate));
        } catch (DateTimeParseException e) {
            throw sts("IncompleteSignature: X-Amz-Date is not a valid date");
        }
        if (!amzDate.startsWith(scope[1])) {
            throw sts("SignatureDoesNotMatch: the credential date does not match X-Amz-Date");
        }
        if (Duration.between(signedAt, clock.now()).abs().compareTo(MAX_SKEW) > 0) {
            throw sts("SignatureDoesNotMatch: Signature expired");
        }
        AwsKey key = awsKeys.get(scope[0]);
        if (key == null) {
            throw sts("InvalidClientTokenId: The security token included in the request is invalid");
        }
        if (key.sessionToken != null && !key.sessionToken.equals(first(headers, "x-amz-security-token"))) {
            throw sts("InvalidClientTokenId: The security token included in the request is invalid");
        }
        String expected = sigV4(key.secret, "POST", uri, headers, signed, requestBody, amzDate, scope);
        if (!MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            throw sts("SignatureDoesNotMatch: The request signature we calculated does not match the signature you"
                    + " provided");
        }
        if (!role.matches(key.principalArn)) {
            throw new Denied(
                    400, "IAM Principal \"" + key.principalArn + "\" does not belong to the role \"" + roleName + "\"");
        }
        awsKeysUsed.add(scope[0]);
        return new Grant(mount + "-" + roleName, role.spec.policies, role.spec);
    }

    private static Denied sts(String what) {
        return new Denied(400, "error making upstream request: received error code 403 from STS: " + what);
    }

    /** SigV4 as AWS documents it (the canonical request, the string to sign, the derived key), over the JDK. */
    static String sigV4(
            String secret,
            String method,
            URI uri,
            Map<String, List<String>> headers,
            List<String> signed,
            String body,
            String amzDate,
            String[] scope) {
        StringBuilder canonical = new StringBuilder();
        canonical.append(method).append('\n');
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        canonical.append(path).append('\n');
        canonical.append("").append('\n');
        for (String h : signed) {
            List<String> values = headers.getOrDefault(h, List.of());
            List<String> trimmed = new ArrayList<>();
            values.forEach(v -> trimmed.add(v.strip().replaceAll(" +", " ")));
            canonical.append(h).append(':').append(String.join(",", trimmed)).append('\n');
        }
        canonical.append('\n').append(String.join(";", signed)).append('\n');
        canonical.append(hex(sha256(body.getBytes(StandardCharsets.UTF_8))));
        String credentialScope = scope[1] + "/" + scope[2] + "/" + scope[3] + "/" + scope[4];
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + credentialScope + "\n"
                + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] k = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), scope[1]);
        k = hmac(k, scope[2]);
        k = hmac(k, scope[3]);
        k = hmac(k, scope[4]);
        return hex(hmac(k, toSign));
    }

    private static Map<String, String> authParts(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String part : s.split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            if (eq > 0) {
                out.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return out;
    }

    // ======================================================================================================
    // GCP
    // ======================================================================================================

    /** A key uploaded for a service account: a self-signed JWT whose {@code sub} is {@code email} verifies under it. */
    public VaultFakeCloudAuth gcpServiceAccountKey(String email, PublicKey key) {
        synchronized (lock) {
            gcpKeys.computeIfAbsent(email, k -> new ArrayList<>()).add(Objects.requireNonNull(key, "key"));
            return this;
        }
    }

    /** Deletes every key of a service account. */
    public VaultFakeCloudAuth removeGcpServiceAccountKeys(String email) {
        synchronized (lock) {
            gcpKeys.remove(email);
            return this;
        }
    }

    /** One of Google's signing keys: instance identity tokens from the metadata server verify under it. */
    public VaultFakeCloudAuth gcpGoogleKey(PublicKey key) {
        synchronized (lock) {
            googleKeys.add(Objects.requireNonNull(key, "key"));
            return this;
        }
    }

    /** A role of {@code type} {@code iam} or {@code gce}, bound to these service accounts ({@code *}: any). */
    public VaultFakeCloudAuth gcpRole(
            String mount, String role, String type, List<String> boundServiceAccounts, TokenSpec spec) {
        if (!type.equals("iam") && !type.equals("gce")) {
            throw new IllegalArgumentException("GCP role type must be iam or gce, was " + type);
        }
        synchronized (lock) {
            String m = strip(mount);
            mounter.accept(m, "gcp");
            gcpRoles.computeIfAbsent(m, k -> new LinkedHashMap<>())
                    .put(role, new GcpRole(type, new Bound(boundServiceAccounts, spec)));
            return this;
        }
    }

    private Grant gcpLogin(String mount, JsonNode body) {
        String roleName = text(body, "role");
        GcpRole role =
                roleName == null ? null : gcpRoles.getOrDefault(mount, Map.of()).get(roleName);
        if (role == null) {
            throw new Denied(400, "role \"" + roleName + "\" not found");
        }
        FakeJwt.Parsed jwt = FakeJwt.parse(text(body, "jwt"));
        if (jwt == null) {
            throw new Denied(400, "unable to parse the JWT");
        }
        String account;
        long now = clock.now().getEpochSecond();
        long exp = jwt.seconds("exp");
        if (role.type.equals("iam")) {
            account = jwt.text("sub");
            List<PublicKey> keys = account == null ? List.of() : gcpKeys.getOrDefault(account, List.of());
            if (keys.stream().noneMatch(jwt::verifies)) {
                throw new Denied(400, "unable to verify the JWT signature with the service account's keys");
            }
            long iat = jwt.seconds("iat");
            if (exp < 0) {
                throw new Denied(400, "the JWT has no exp");
            }
            if ((iat >= 0 && exp - iat > GCP_MAX_JWT_EXP.toSeconds()) || exp - now > GCP_MAX_JWT_EXP.toSeconds()) {
                throw new Denied(400, "the JWT expires too far in the future (max_jwt_exp is 15m)");
            }
        } else {
            account = jwt.text("email");
            if (googleKeys.stream().noneMatch(jwt::verifies)) {
                throw new Denied(400, "unable to verify the JWT signature with Google's keys");
            }
            String iss = jwt.text("iss");
            if (!"https://accounts.google.com".equals(iss) && !"accounts.google.com".equals(iss)) {
                throw new Denied(400, "the JWT was not issued by Google");
            }
        }
        if (exp < 0 || exp <= now) {
            throw new Denied(400, "the JWT has expired");
        }
        String aud = jwt.text("aud");
        String want = "vault/" + roleName;
        if (aud == null || !(aud.equals(want) || aud.equals("http://" + want) || aud.equals("https://" + want))) {
            throw new Denied(400, "the JWT's audience is not " + want);
        }
        if (!role.bound.matches(account)) {
            throw new Denied(
                    400, "service account \"" + account + "\" is not authorized for role \"" + roleName + "\"");
        }
        return new Grant(mount + "-" + roleName, role.bound.spec.policies, role.bound.spec);
    }

    // ======================================================================================================
    // Azure
    // ======================================================================================================

    /** The mount's {@code auth/<mount>/config}: the tenant, the resource tokens must be for, the tenant's key. */
    public VaultFakeCloudAuth azureConfig(String mount, String tenantId, String resource, PublicKey issuerKey) {
        synchronized (lock) {
            AzureMount m = azureMount(mount);
            m.tenant = tenantId;
            m.resource = resource;
            m.key = issuerKey;
            return this;
        }
    }

    /** A role bound to a subscription and a resource group (null: any resource group). */
    public VaultFakeCloudAuth azureRole(
            String mount, String role, String subscriptionId, String resourceGroup, TokenSpec spec) {
        synchronized (lock) {
            AzureMount m = azureMount(mount);
            m.roles.put(role, new AzureRole(subscriptionId, resourceGroup, spec));
            return this;
        }
    }

    private AzureMount azureMount(String mount) {
        String m = strip(mount);
        mounter.accept(m, "azure");
        return azureMounts.computeIfAbsent(m, k -> new AzureMount());
    }

    private Grant azureLogin(String mount, JsonNode body) {
        AzureMount m = azureMounts.get(mount);
        String roleName = text(body, "role");
        AzureRole role = m == null || roleName == null ? null : m.roles.get(roleName);
        if (role == null) {
            throw new Denied(400, "invalid role name \"" + roleName + "\"");
        }
        if (m.key == null) {
            throw new Denied(400, "the auth method is not configured");
        }
        FakeJwt.Parsed jwt = FakeJwt.parse(text(body, "jwt"));
        if (jwt == null || !jwt.verifies(m.key)) {
            throw new Denied(400, "unable to verify the JWT: failed to verify signature");
        }
        if (!("https://sts.windows.net/" + m.tenant + "/").equals(jwt.text("iss"))) {
            throw new Denied(400, "unable to verify the JWT: issuer did not match");
        }
        String aud = jwt.text("aud");
        if (aud == null || !withSlash(aud).equals(withSlash(m.resource))) {
            throw new Denied(400, "unable to verify the JWT: audience did not match");
        }
        long now = clock.now().getEpochSecond();
        long exp = jwt.seconds("exp");
        long nbf = jwt.seconds("nbf");
        if (exp < 0 || exp <= now || (nbf >= 0 && nbf > now)) {
            throw new Denied(400, "unable to verify the JWT: token is expired or not yet valid");
        }
        String sub = text(body, "subscription_id");
        String rg = text(body, "resource_group_name");
        String vm = text(body, "vm_name");
        String vmss = text(body, "vmss_name");
        if (sub == null || rg == null || (vm == null && vmss == null)) {
            throw new Denied(400, "subscription_id, resource_group_name and vm_name or vmss_name are required");
        }
        String mirid = jwt.text("xms_mirid");
        String expected = "/subscriptions/" + sub + "/resourcegroups/" + rg + "/providers/Microsoft.Compute/"
                + (vmss != null ? "virtualMachineScaleSets/" + vmss : "virtualMachines/" + vm);
        if (mirid == null || !mirid.equalsIgnoreCase(expected)) {
            throw new Denied(400, "the token's xms_mirid does not match the machine posted");
        }
        if (!role.subscription.equals(sub)) {
            throw new Denied(400, "subscription ID not authorized");
        }
        if (role.resourceGroup != null && !role.resourceGroup.equalsIgnoreCase(rg)) {
            throw new Denied(400, "resource group not authorized");
        }
        return new Grant(mount + "-" + roleName, role.spec.policies, role.spec);
    }

    // ======================================================================================================
    // LDAP
    // ======================================================================================================

    /** The LDAP mount's token settings: every token it issues gets these policies and TTLs. */
    public VaultFakeCloudAuth ldapMount(String mount, TokenSpec spec) {
        synchronized (lock) {
            ldapMount(mount).spec = Objects.requireNonNull(spec, "spec");
            return this;
        }
    }

    /** A directory user with a password and the groups it is a member of. */
    public VaultFakeCloudAuth ldapUser(String mount, String user, String password, String... groups) {
        synchronized (lock) {
            ldapMount(mount).users.put(user, new LdapUser(password, List.of(groups)));
            return this;
        }
    }

    /** {@code auth/<mount>/groups/<group>}: the group's members get these policies. */
    public VaultFakeCloudAuth ldapGroup(String mount, String group, String... policies) {
        synchronized (lock) {
            ldapMount(mount).groups.put(group, List.of(policies));
            return this;
        }
    }

    private LdapMount ldapMount(String mount) {
        String m = strip(mount);
        mounter.accept(m, "ldap");
        return ldapMounts.computeIfAbsent(m, k -> new LdapMount());
    }

    private Grant ldapLogin(String mount, String path, JsonNode body) {
        LdapMount m = ldapMounts.get(mount);
        String prefix = "auth/" + mount + "/login/";
        String user = path.startsWith(prefix) ? path.substring(prefix.length()) : null;
        LdapUser u = m == null || user == null ? null : m.users.get(user);
        String password = text(body, "password");
        // a bind with a wrong password and a bind as an unknown user fail alike
        if (u == null
                || password == null
                || !MessageDigest.isEqual(
                        u.password.getBytes(StandardCharsets.UTF_8), password.getBytes(StandardCharsets.UTF_8))) {
            throw new Denied(400, "ldap operation failed: failed to bind as user");
        }
        Set<String> policies = new LinkedHashSet<>(m.spec.policies);
        for (String g : u.groups) {
            policies.addAll(m.groups.getOrDefault(g, List.of()));
        }
        return new Grant(mount + "-" + user, new ArrayList<>(policies), m.spec);
    }

    // ======================================================================================================
    // Dispatch and small utilities
    // ======================================================================================================

    /** Checks a login at {@code auth/<mount>/login...} of {@code type}; called under the fake's lock. */
    Grant login(String type, String mount, String path, JsonNode body) {
        switch (type) {
            case "aws":
                return awsLogin(mount, body);
            case "gcp":
                return gcpLogin(mount, body);
            case "azure":
                return azureLogin(mount, body);
            case "ldap":
                return ldapLogin(mount, path, body);
            default:
                throw new Denied(400, "unsupported login for mount " + mount);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || !n.isTextual() || n.asText().isEmpty() ? null : n.asText();
    }

    private static String decode64(JsonNode body, String field) {
        String s = text(body, field);
        if (s == null) {
            throw new Denied(400, "missing " + field);
        }
        try {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Denied(400, "error base64-decoding " + field);
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static String withSlash(String url) {
        return url == null ? "" : url.endsWith("/") ? url : url + "/";
    }

    private static String strip(String mount) {
        String m = mount.strip();
        while (m.startsWith("/")) {
            m = m.substring(1);
        }
        while (m.endsWith("/")) {
            m = m.substring(0, m.length() - 1);
        }
        return m;
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static final class AwsKey {
        final String secret;
        final String sessionToken;
        final String principalArn;

        AwsKey(String secret, String sessionToken, String principalArn) {
            this.secret = secret;
            this.sessionToken = sessionToken;
            this.principalArn = principalArn;
        }

        @Override
        public String toString() {
            return "AwsKey{" + principalArn + ", secret=****}";
        }
    }

    private static final class AwsMount {
        final Map<String, Bound> roles = new LinkedHashMap<>();
        String serverId;
        String stsEndpoint = "https://sts.amazonaws.com";
        String stsRegion = "us-east-1";
    }

    /** A role's bindings (ARNs, service accounts; a trailing {@code *} is a prefix, {@code *} alone any) and token. */
    private static final class Bound {
        final List<String> bound;
        final TokenSpec spec;

        Bound(List<String> bound, TokenSpec spec) {
            this.bound = List.copyOf(bound);
            this.spec = Objects.requireNonNull(spec, "spec");
        }

        boolean matches(String who) {
            if (who == null) {
                return false;
            }
            for (String b : bound) {
                if (b.equals(who) || (b.endsWith("*") && who.startsWith(b.substring(0, b.length() - 1)))) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class GcpRole {
        final String type;
        final Bound bound;

        GcpRole(String type, Bound bound) {
            this.type = type;
            this.bound = bound;
        }
    }

    private static final class AzureMount {
        final Map<String, AzureRole> roles = new LinkedHashMap<>();
        String tenant;
        String resource;
        PublicKey key;
    }

    private static final class AzureRole {
        final String subscription;
        final String resourceGroup;
        final TokenSpec spec;

        AzureRole(String subscription, String resourceGroup, TokenSpec spec) {
            this.subscription = Objects.requireNonNull(subscription, "subscriptionId");
            this.resourceGroup = resourceGroup;
            this.spec = Objects.requireNonNull(spec, "spec");
        }
    }

    private static final class LdapMount {
        final Map<String, LdapUser> users = new LinkedHashMap<>();
        final Map<String, List<String>> groups = new LinkedHashMap<>();
        TokenSpec spec = TokenSpec.policies();
    }

    private static final class LdapUser {
        final String password;
        final List<String> groups;

        LdapUser(String password, List<String> groups) {
            this.password = Objects.requireNonNull(password, "password");
            this.groups = groups;
        }

        @Override
        public String toString() {
            return "LdapUser{groups=" + groups + ", password=****}";
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "VaultFakeCloudAuth{aws=" + awsMounts.keySet() + ", gcp=" + gcpRoles.keySet() + ", azure="
                    + azureMounts.keySet() + ", ldap=" + ldapMounts.keySet() + "}";
        }
    }
}
