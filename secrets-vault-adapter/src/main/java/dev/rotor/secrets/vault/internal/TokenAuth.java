package dev.rotor.secrets.vault.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;
import java.nio.file.Path;

/** A token given by the operator, inline or in a file that is read again at every lookup and when it changes. */
public final class TokenAuth extends AuthMethod {
    private final String token;
    private final Path file;

    private TokenAuth(String token, Path file) {
        super("token");
        this.token = token;
        this.file = file;
    }

    public static TokenAuth of(String token) {
        return new TokenAuth(require(token, "token"), null);
    }

    public static TokenAuth fromFile(Path file) {
        if (file == null) {
            throw new SecretConfigurationException("VaultAuth token file must be set", null, null);
        }
        return new TokenAuth(null, file);
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        return lookupSelf(http, current(http.source(), ref), ref);
    }

    private String current(String source, SecretRef ref) {
        return file == null
                ? token
                : readFile(file, "VaultAuth.tokenFile", "reading the Vault token file", ref, source);
    }

    @Override
    boolean obtainsToken() {
        return false;
    }

    @Override
    boolean tokenChanged(String lastToken) {
        if (file == null) {
            return false;
        }
        try {
            return !current(null, null).equals(lastToken);
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    @Override
    public String method() {
        return "token";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return this;
    }

    @Override
    public String toString() {
        return "VaultAuth{token" + (file == null ? "" : ", file=" + file) + ", token=****}";
    }
}
