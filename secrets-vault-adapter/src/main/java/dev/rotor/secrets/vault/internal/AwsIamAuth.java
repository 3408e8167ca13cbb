package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * AWS IAM: an STS {@code GetCallerIdentity} request signed with SigV4 by the AWS SDK's own signer, handed to Vault
 * (never sent to AWS by Rotor) as {@code iam_http_request_method}, {@code iam_request_url}, {@code iam_request_body}
 * and {@code iam_request_headers}, base64-encoded, at {@code auth/{mount}/login}; Vault sends it to STS and learns who
 * signed it. The credentials are resolved at every login (instance profiles, web identity and SSO credentials rotate),
 * from the SDK's default chain unless a provider was given. Without a region the request goes to the global endpoint
 * {@code https://sts.amazonaws.com/} signed for {@code us-east-1}, as Vault expects by default; with one, to {@code
 * https://sts.<region>.amazonaws.com/} signed for that region (Vault's {@code sts_endpoint} and {@code sts_region} must
 * then say the same). The optional server id goes into the signed {@code X-Vault-AWS-IAM-Server-ID} header, which
 * Vault checks against its {@code iam_server_id_header_value} so a signed request cannot be replayed against another
 * Vault.
 *
 * <p>Needs {@code software.amazon.awssdk:auth} on the class path (an optional dependency of the adapter).
 */
public final class AwsIamAuth extends AuthMethod {
    static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";
    static final String CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8";
    static final String SERVER_ID_HEADER = "X-Vault-AWS-IAM-Server-ID";
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");

    private final String role;
    private final String region;
    private final String serverId;
    private final AwsCredentialsProvider given;
    private volatile AwsCredentialsProvider chain;

    private AwsIamAuth(String mount, String role, String region, String serverId, AwsCredentialsProvider given) {
        super(mount);
        this.role = require(role, "AWS IAM role");
        if (region != null && !REGION.matcher(region).matches()) {
            throw new SecretConfigurationException(
                    "VaultAuth AWS IAM region is not an AWS region name (like eu-west-1): " + region, null, null);
        }
        if (serverId != null && (serverId.isBlank() || Text.hasControl(serverId) || serverId.length() > 512)) {
            throw new SecretConfigurationException(
                    "VaultAuth AWS IAM server id must be printable text of at most 512 characters", null, null);
        }
        this.region = region;
        this.serverId = serverId;
        this.given = given;
    }

    /**
     * @param region null for the global STS endpoint signed for {@code us-east-1}
     * @param serverId null for none; else the value of Vault's {@code iam_server_id_header_value}
     * @param credentials null for the SDK's default credential chain
     */
    public static AwsIamAuth of(String role, String region, String serverId, AwsCredentialsProvider credentials) {
        return new AwsIamAuth("aws", role, region, serverId, credentials);
    }

    /** The STS URL the signed request names. */
    String stsUrl() {
        return region == null ? "https://sts.amazonaws.com/" : "https://sts." + region + ".amazonaws.com/";
    }

    /** The region the request is signed for. */
    String signingRegion() {
        return region == null ? "us-east-1" : region;
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = "AWS IAM login (auth/" + mount + "/login)";
        ObjectNode body =
                loginBody(credentials(what, ref, http.source()), http.clock().now(), what, ref, http.source());
        return Logins.post(http, "auth/" + mount + "/login", body, what, ref);
    }

    /** The login body for these credentials, signed at {@code now}. */
    ObjectNode loginBody(AwsCredentials credentials, Instant now, String what, SecretRef ref, String source) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create(stsUrl()))
                .putHeader("Content-Type", CONTENT_TYPE);
        if (serverId != null) {
            request.putHeader(SERVER_ID_HEADER, serverId);
        }
        SignedRequest signed;
        try {
            signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials)
                    .request(request.build())
                    .payload(ContentStreamProvider.fromUtf8String(BODY))
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, signingRegion())
                    .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(now, ZoneOffset.UTC)));
        } catch (RuntimeException e) {
            // the SDK's message could name the access key: the class alone
            throw new SecretConfigurationException(
                    what + ": the STS request could not be signed ("
                            + e.getClass().getSimpleName() + ")",
                    ref,
                    source);
        }
        ObjectNode headers = VaultHttp.object();
        for (Map.Entry<String, List<String>> h : signed.request().headers().entrySet()) {
            ArrayNode values = headers.putArray(h.getKey());
            h.getValue().forEach(values::add);
        }
        byte[] headerJson;
        try {
            headerJson = VaultHttp.MAPPER.writeValueAsBytes(headers);
        } catch (JsonProcessingException e) {
            throw new SecretFormatException(what + ": the signed headers could not be encoded", ref, source);
        }
        Base64.Encoder b64 = Base64.getEncoder();
        return VaultHttp.object()
                .put("role", role)
                .put("iam_http_request_method", "POST")
                .put("iam_request_url", b64.encodeToString(stsUrl().getBytes(StandardCharsets.UTF_8)))
                .put("iam_request_body", b64.encodeToString(BODY.getBytes(StandardCharsets.UTF_8)))
                .put("iam_request_headers", b64.encodeToString(headerJson));
    }

    private AwsCredentials credentials(String what, SecretRef ref, String source) {
        AwsCredentialsProvider p = given;
        if (p == null) {
            p = chain;
            if (p == null) {
                synchronized (this) {
                    if (chain == null) {
                        chain = DefaultCredentialsProvider.builder().build();
                    }
                    p = chain;
                }
            }
        }
        try {
            AwsCredentials c = p.resolveCredentials();
            if (c == null) {
                throw new SecretAccessDeniedException(what + ": no AWS credentials were found", ref, source);
            }
            return c;
        } catch (SecretAccessDeniedException e) {
            throw e;
        } catch (RuntimeException e) {
            // the chain's message lists where it looked, and a provider's may quote a profile: the class alone
            throw new SecretAccessDeniedException(
                    what + ": no AWS credentials could be resolved ("
                            + e.getClass().getSimpleName() + ")",
                    ref,
                    source);
        }
    }

    @Override
    public String method() {
        return "aws";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new AwsIamAuth(mount, role, region, serverId, given);
    }

    @Override
    public String toString() {
        return "VaultAuth{aws (iam), mount=" + mount + ", role=" + role + ", sts=" + stsUrl() + ", region="
                + signingRegion() + (serverId != null ? ", serverId=" + serverId : "")
                + (given != null ? ", credentials=given" : ", credentials=default chain") + "}";
    }
}
