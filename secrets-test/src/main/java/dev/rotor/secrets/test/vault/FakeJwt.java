package dev.rotor.secrets.test.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;

/**
 * RS256 JSON Web Tokens (RFC 7515, 7519) with the JDK alone: what the fakes of Google's and Azure's identity
 * services sign with, and what {@link VaultFakeCloudAuth} verifies, as Vault does with the issuer's public key.
 * Stateless and thread-safe.
 */
public final class FakeJwt {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeJwt() {}

    /** A new RSA 2048 key pair, as a service-account key or an issuer's signing key. */
    public static KeyPair rsaKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make an RSA key pair", e);
        }
    }

    /** {@code header.claims.signature}, signed with RS256; {@code kid} may be null. */
    public static String sign(PrivateKey key, String kid, Map<String, ?> claims) {
        try {
            ObjectNode header = JSON.createObjectNode().put("alg", "RS256").put("typ", "JWT");
            if (kid != null) {
                header.put("kid", kid);
            }
            Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
            String input = b64.encodeToString(JSON.writeValueAsBytes(header)) + "."
                    + b64.encodeToString(JSON.writeValueAsBytes(claims));
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + b64.encodeToString(s.sign());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the JWT could not be signed", e);
        }
    }

    /** A JWT taken apart: its header and claims, and whether its signature verifies under a key. */
    static final class Parsed {
        final JsonNode header;
        final JsonNode claims;
        private final byte[] input;
        private final byte[] signature;

        private Parsed(JsonNode header, JsonNode claims, byte[] input, byte[] signature) {
            this.header = header;
            this.claims = claims;
            this.input = input;
            this.signature = signature;
        }

        boolean verifies(PublicKey key) {
            if (!"RS256".equals(header.path("alg").asText())) {
                return false;
            }
            try {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initVerify(key);
                s.update(input);
                return s.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        /** A numeric claim in seconds, or -1 when absent or not a number. */
        long seconds(String claim) {
            JsonNode n = claims.get(claim);
            return n != null && n.canConvertToLong() ? n.asLong() : -1;
        }

        String text(String claim) {
            JsonNode n = claims.get(claim);
            return n == null || !n.isTextual() ? null : n.asText();
        }
    }

    /** The parts of a compact JWT, or null when it is not one. */
    static Parsed parse(String jwt) {
        if (jwt == null) {
            return null;
        }
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            Base64.Decoder d = Base64.getUrlDecoder();
            JsonNode header = JSON.readTree(d.decode(parts[0]));
            JsonNode claims = JSON.readTree(d.decode(parts[1]));
            if (header == null || !header.isObject() || claims == null || !claims.isObject()) {
                return null;
            }
            return new Parsed(
                    header,
                    claims,
                    (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII),
                    d.decode(parts[2]));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }
}
