package dev.rotor.secrets.vault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.Base64;

/** Test material for the cloud logins: a Google service-account key file, written as Google hands it out. */
final class CloudKeys {
    private CloudKeys() {}

    static String pkcs8Pem(KeyPair pair) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** A service-account key JSON file readable by its owner alone. */
    static Path serviceAccountKey(Path dir, String email, KeyPair pair) throws IOException {
        String json = "{\"type\":\"service_account\",\"project_id\":\"rotor-test\",\"private_key_id\":\"k1\","
                + "\"private_key\":" + quote(pkcs8Pem(pair)) + ",\"client_email\":\"" + email + "\","
                + "\"client_id\":\"1234567890\",\"token_uri\":\"https://oauth2.googleapis.com/token\"}";
        Path file = dir.resolve("sa-" + email.hashCode() + ".json");
        Files.writeString(file, json);
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // the permission warning is not what these tests are about
        }
        return file;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n") + "\"";
    }
}
