package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The base of every auth method: one login call that answers a token. Methods that are given a token rather than
 * obtaining one look it up ({@code auth/token/lookup-self}) instead. Subclasses are immutable apart from the one-time
 * unwrap of a wrapped AppRole secret id.
 */
public abstract class AuthMethod implements VaultAuth {
    final String mount;
    private final CredentialFiles files = new CredentialFiles();

    AuthMethod(String mount) {
        this.mount = cleanMount(mount);
    }

    /** Logs in (or looks the given token up) and answers the token. */
    abstract LoginResult login(VaultHttp http, SecretRef ref);

    /** Whether the token was obtained by a login, so that the adapter may revoke it when it is done with it. */
    boolean obtainsToken() {
        return true;
    }

    /** Whether the given token changed since it was last read (a token file that was rewritten). */
    boolean tokenChanged(String lastToken) {
        return false;
    }

    /** Whether this method needs the client certificate of an mTLS connection. */
    public boolean needsClientCertificate() {
        return false;
    }

    @Override
    public String mount() {
        return mount;
    }

    static String cleanMount(String mount) {
        if (mount == null || mount.isBlank()) {
            throw new SecretConfigurationException("VaultAuth mount must not be empty", null, null);
        }
        String m = mount.strip();
        while (m.startsWith("/")) {
            m = m.substring(1);
        }
        while (m.endsWith("/")) {
            m = m.substring(0, m.length() - 1);
        }
        if (m.isEmpty() || m.contains("..") || m.contains("//")) {
            throw new SecretConfigurationException("VaultAuth mount is not a valid path: " + mount, null, null);
        }
        return m;
    }

    static String require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new SecretConfigurationException("VaultAuth " + option + " must not be empty", null, null);
        }
        return value;
    }

    /** Reads {@code auth.client_token}, {@code auth.lease_duration} and {@code auth.renewable} of a login answer. */
    static LoginResult fromAuth(JsonNode body, String what, SecretRef ref, String source) {
        JsonNode auth = Json.object(body, "auth", what, ref, source);
        String token = Json.text(auth, "client_token", what, ref, source);
        long ttl = Json.optionalNumber(auth, "lease_duration", 0, what, ref, source);
        boolean renewable = Json.optionalBoolean(auth, "renewable", false, what, ref, source);
        return new LoginResult(token, Duration.ofSeconds(Math.max(0, ttl)), renewable)
                .identity(VaultIdentity.fromAuth(auth, "token"));
    }

    /**
     * Reads a small credential file (a service-account JWT, a token), trimmed; warns once when the file is readable by
     * its group or other users ({@code option} names it in the warning).
     */
    String readFile(Path file, String option, String what, SecretRef ref, String source) {
        files.check(file, option);
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > 64 * 1024) {
                throw new SecretConfigurationException(what + ": the file " + file + " is too large", ref, source);
            }
            String s = new String(bytes, StandardCharsets.UTF_8).strip();
            if (s.isEmpty()) {
                throw new SecretConfigurationException(what + ": the file " + file + " is empty", ref, source);
            }
            return s;
        } catch (IOException e) {
            throw new SecretConfigurationException(
                    what + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")", ref, source, e);
        }
    }

    static LoginResult lookupSelf(VaultHttp http, String token, SecretRef ref) {
        String what = "token lookup (auth/token/lookup-self)";
        JsonNode body = http.call("GET", "auth/token/lookup-self", null, token, what, ref);
        JsonNode data = Json.object(body, "data", what, ref, http.source());
        long ttl = Json.optionalNumber(data, "ttl", 0, what, ref, http.source());
        boolean renewable = Json.optionalBoolean(data, "renewable", false, what, ref, http.source());
        // explicit_max_ttl (seconds) counts from creation_time (Unix seconds); 0 means none was set on the token, and
        // the max TTL of the mount or the system, which still applies, is not in this answer.
        long explicitMax = Json.optionalNumber(data, "explicit_max_ttl", 0, what, ref, http.source());
        long created = Json.optionalNumber(data, "creation_time", 0, what, ref, http.source());
        Instant maxEnd =
                explicitMax > 0 && created > 0 ? Instant.ofEpochSecond(created).plusSeconds(explicitMax) : null;
        return new LoginResult(token, Duration.ofSeconds(Math.max(0, ttl)), renewable, maxEnd)
                .identity(VaultIdentity.fromLookup(data));
    }
}
