package dev.rotor.secrets.jdbc;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretFormatException;
import java.util.Objects;

/**
 * Which fields of a secret hold the database user name and password. Immutable and thread-safe.
 *
 * <pre>{@code
 * CredentialFields.defaults();                    // "username" and "password"
 * CredentialFields.of("user", "pass");            // a secret whose fields are named otherwise
 * }</pre>
 */
public final class CredentialFields {
    private static final CredentialFields DEFAULTS = new CredentialFields("username", "password");

    private final String usernameField;
    private final String passwordField;

    private CredentialFields(String usernameField, String passwordField) {
        this.usernameField = usernameField;
        this.passwordField = passwordField;
    }

    /** The fields {@code username} and {@code password}, as Vault's database engine and most stores name them. */
    public static CredentialFields defaults() {
        return DEFAULTS;
    }

    /**
     * Other field names.
     *
     * @throws IllegalArgumentException when a name is blank or both names are the same
     */
    public static CredentialFields of(String usernameField, String passwordField) {
        Objects.requireNonNull(usernameField, "usernameField");
        Objects.requireNonNull(passwordField, "passwordField");
        if (usernameField.isBlank() || passwordField.isBlank()) {
            throw new IllegalArgumentException("usernameField and passwordField must not be blank");
        }
        if (usernameField.equals(passwordField)) {
            throw new IllegalArgumentException(
                    "usernameField and passwordField must differ, both were " + usernameField);
        }
        return new CredentialFields(usernameField, passwordField);
    }

    public String usernameField() {
        return usernameField;
    }

    public String passwordField() {
        return passwordField;
    }

    /**
     * The user name of {@code secret}.
     *
     * @throws SecretFormatException naming the ref and the field when the secret has no such field
     */
    public String username(Secret secret) {
        return require(secret, usernameField);
    }

    /**
     * The password of {@code secret}.
     *
     * @throws SecretFormatException naming the ref and the field when the secret has no such field
     */
    public String password(Secret secret) {
        return require(secret, passwordField);
    }

    private static String require(Secret secret, String field) {
        return secret.field(field)
                .orElseThrow(() -> new SecretFormatException(
                        "version " + secret.version() + " has no field '" + field + "'", secret.ref(), null));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CredentialFields
                && ((CredentialFields) o).usernameField.equals(usernameField)
                && ((CredentialFields) o).passwordField.equals(passwordField);
    }

    @Override
    public int hashCode() {
        return Objects.hash(usernameField, passwordField);
    }

    @Override
    public String toString() {
        return "CredentialFields{username=" + usernameField + ", password=" + passwordField + "}";
    }
}
