package dev.rotor.secrets.jdbc.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.jdbc.CredentialFields;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Tries a version of a credentials secret: both fields present, then one connection opened (and closed) with them. A
 * refusal is a {@link SecretRejectedException} whose reason names the missing field or the SQLState, never the
 * driver's message (which can quote the user name) and never a value. Stateless and thread-safe.
 */
public final class LoginCheck {
    /** Opens one connection with a user name and password. */
    @FunctionalInterface
    public interface Opener {
        Connection open(String username, String password) throws SQLException;
    }

    private LoginCheck() {}

    /**
     * Opens one connection with {@code candidate}'s credentials through {@code opener}.
     *
     * @throws SecretRejectedException with {@code "field 'password' missing"} or {@code "login refused: SQLState
     *     28000"} (see {@link AuthFailures#reason(Throwable)})
     */
    public static void check(Secret candidate, CredentialFields fields, Opener opener) throws SecretRejectedException {
        String user = require(candidate, fields.usernameField());
        String password = require(candidate, fields.passwordField());
        try (Connection c = opener.open(user, password)) {
            c.isValid(5);
        } catch (SQLException | RuntimeException e) {
            // no cause attached: the driver's message can quote the user name
            throw new SecretRejectedException(AuthFailures.reason(e));
        }
    }

    /** The reason of a refusal for a version that lacks a field: {@code "field 'password' missing"}. */
    public static String missing(String field) {
        return "field '" + field + "' missing";
    }

    private static String require(Secret candidate, String field) throws SecretRejectedException {
        return candidate.field(field).orElseThrow(() -> new SecretRejectedException(missing(field)));
    }
}
