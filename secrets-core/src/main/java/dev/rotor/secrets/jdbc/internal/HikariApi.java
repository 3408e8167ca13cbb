package dev.rotor.secrets.jdbc.internal;

/** How credentials reach a running HikariCP pool, by major line. */
public enum HikariApi {
    /** HikariCP 5: {@code setUsername} then {@code setPassword} (two writes; a connection opened between sees a mix). */
    USERNAME_PASSWORD,
    /** HikariCP 6: one {@code setCredentials(Credentials.of(user, password))}, swapped atomically. */
    CREDENTIALS,
    /** HikariCP 7: {@code setCredentials} as on 6, and the pull model through {@code HikariCredentialsProvider}. */
    CREDENTIALS_PROVIDER
}
