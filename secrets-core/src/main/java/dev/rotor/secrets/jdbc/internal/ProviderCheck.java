package dev.rotor.secrets.jdbc.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.rotor.secrets.jdbc.SecretCredentialsProvider;

/** HikariCP 7: whether the pool pulls its credentials from Rotor. Loaded only when the provider type exists. */
final class ProviderCheck {
    private ProviderCheck() {}

    static boolean pullsFromRotor(HikariDataSource pool) {
        return pool.getCredentialsProvider() instanceof SecretCredentialsProvider;
    }
}
