package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.vault.VaultAuth;

/** TLS certificate login: {@code auth/{mount}/login} over the mTLS connection, optionally naming the cert role. */
public final class CertAuth extends AuthMethod {
    private final String name;

    private CertAuth(String mount, String name) {
        super(mount);
        this.name = name;
    }

    public static CertAuth of(String name) {
        return new CertAuth("cert", name);
    }

    @Override
    LoginResult login(VaultHttp http, SecretRef ref) {
        String what = "certificate login (auth/" + mount + "/login)";
        ObjectNode req = VaultHttp.object();
        if (name != null) {
            req.put("name", name);
        }
        JsonNode body = http.call("POST", "auth/" + mount + "/login", req, null, what, ref);
        return fromAuth(body, what, ref, http.source());
    }

    @Override
    public boolean needsClientCertificate() {
        return true;
    }

    @Override
    public String method() {
        return "cert";
    }

    @Override
    public VaultAuth withMount(String mount) {
        return new CertAuth(mount, name);
    }

    @Override
    public String toString() {
        return "VaultAuth{cert, mount=" + mount + (name == null ? "" : ", name=" + name) + "}";
    }
}
