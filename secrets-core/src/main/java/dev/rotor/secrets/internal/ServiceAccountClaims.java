package dev.rotor.secrets.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SourceIdentity;
import dev.rotor.secrets.SourceUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

/**
 * The Kubernetes service account a mounted service-account token names, read from the token's JWT claims without
 * verifying its signature (the claims describe the caller for an audit record; they grant nothing here). Only the
 * {@code kubernetes.io} claims are read: of a projected token {@code kubernetes.io.namespace}, {@code
 * kubernetes.io.serviceaccount.name} and {@code kubernetes.io.pod.name}; of a legacy token the flat {@code
 * kubernetes.io/serviceaccount/namespace} and {@code kubernetes.io/serviceaccount/service-account.name}. Errors name
 * the file and the source, never any of the token.
 */
public final class ServiceAccountClaims {
    /** Where Kubernetes mounts a pod's service-account token. */
    public static final Path DEFAULT_TOKEN_FILE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private static final int MAX_TOKEN = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceAccountClaims() {}

    /** The identity the token at {@code file} names; empty when there is no such file (not in a pod). */
    public static Optional<SourceIdentity> read(Path file, String source) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_TOKEN) {
                throw bad("is too large to be a service-account token", file, source);
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException missing) {
            return Optional.empty();
        } catch (AccessDeniedException denied) {
            throw new SecretAccessDeniedException("cannot read the service-account token file " + file, null, source);
        } catch (IOException e) {
            throw new SourceUnavailableException(
                    "cannot read the service-account token file " + file + " ("
                            + e.getClass().getSimpleName() + ")",
                    null,
                    source);
        }
        return Optional.of(parse(new String(bytes, StandardCharsets.US_ASCII).strip(), file, source));
    }

    static SourceIdentity parse(String jwt, Path file, String source) {
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3 || parts[1].isEmpty()) {
            throw bad("is not a JWT", file, source);
        }
        JsonNode claims;
        try {
            claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IllegalArgumentException | IOException e) {
            throw bad("has claims that are not base64url JSON", file, source);
        }
        if (claims == null || !claims.isObject()) {
            throw bad("has claims that are not a JSON object", file, source);
        }
        String namespace;
        String account;
        String pod = null;
        JsonNode k8s = claims.get("kubernetes.io");
        if (k8s != null && k8s.isObject()) {
            namespace = text(k8s.get("namespace"));
            account = text(k8s.path("serviceaccount").get("name"));
            pod = text(k8s.path("pod").get("name"));
        } else {
            namespace = text(claims.get("kubernetes.io/serviceaccount/namespace"));
            account = text(claims.get("kubernetes.io/serviceaccount/service-account.name"));
        }
        if (namespace == null || account == null) {
            throw bad("names no Kubernetes namespace and service account", file, source);
        }
        return SourceIdentity.builder("system:serviceaccount:" + namespace + ":" + account)
                .displayName(account)
                .attribute("namespace", namespace)
                .attribute("serviceaccount", account)
                .attribute("pod", pod)
                .build();
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }

    private static SecretFormatException bad(String what, Path file, String source) {
        return new SecretFormatException("the service-account token file " + file + " " + what, null, source);
    }
}
