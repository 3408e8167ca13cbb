package dev.rotor.secrets.audit;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Service-account tokens shaped as Kubernetes mounts them, signed with nothing (the claims are all that is read). */
final class KubernetesTokens {
    private KubernetesTokens() {}

    /** A projected token (the default since Kubernetes 1.21) for {@code namespace/account} in {@code pod}. */
    static String projected(String namespace, String account, String pod) {
        String claims = "{\"aud\":[\"https://kubernetes.default.svc\"],\"exp\":1795000000,\"iat\":1763464000,"
                + "\"iss\":\"https://kubernetes.default.svc\",\"kubernetes.io\":{\"namespace\":\"" + namespace
                + "\",\"pod\":{\"name\":\"" + pod + "\",\"uid\":\"0b5e3c2a-1111-4c3e-9f0e-2f6f1d3c4b5a\"},"
                + "\"serviceaccount\":{\"name\":\"" + account + "\",\"uid\":\"7d0b1c9e-2222-4e7a-8c55-6d2a0f1e9b3c\"}},"
                + "\"nbf\":1763464000,\"sub\":\"system:serviceaccount:" + namespace + ":" + account + "\"}";
        return jwt(claims);
    }

    static String jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString("signature-not-checked".getBytes(StandardCharsets.UTF_8));
    }
}
