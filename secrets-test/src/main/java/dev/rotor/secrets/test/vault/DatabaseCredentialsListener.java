package dev.rotor.secrets.test.vault;

/**
 * Told when the fake's database secrets engine issues, revokes or rotates a database user, so a test can mirror it in
 * a real database (create and drop an H2 user, change a password). Called on the fake's server thread (or the
 * thread that called a {@link VaultFake} method) while the fake holds its lock: keep it short and do not call the
 * fake's HTTP API from it. A listener that throws is ignored for that call; the fake's answer is unchanged.
 */
public interface DatabaseCredentialsListener {
    /** A dynamic role issued a new user for {@code leaseId}. */
    default void issued(String role, String username, String password, String leaseId) {}

    /** The lease of a dynamic user ended (revoked, expired, or its token was revoked): the user should be dropped. */
    default void revoked(String role, String username, String leaseId) {}

    /** A static role's password was rotated. */
    default void rotated(String role, String username, String password) {}
}
