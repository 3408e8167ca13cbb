/**
 * Hot swap of database credentials into the code that uses them: {@link dev.rotor.secrets.jdbc.HikariSecretBinding}
 * swaps a running HikariCP pool (5, 6 and 7, found at run time) to each new version of a secret, and {@link
 * dev.rotor.secrets.jdbc.RotatingDataSource} wraps any {@link javax.sql.DataSource} so that connections open with the
 * current credentials and recover from a password changed behind their back. Both are {@link
 * dev.rotor.secrets.consumer.SecretConsumer consumers}: the binding reports its {@link
 * dev.rotor.secrets.consumer.HandOver hand-overs} as every {@link dev.rotor.secrets.consumer.ConsumerBinding} does, and
 * the data source's validator is its consumer's validation.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .validator("file:/run/secrets/db", HikariSecretBinding.validator(pool, CredentialFields.defaults()))
 *         .build();
 * HikariSecretBinding binding = HikariSecretBinding.bind(secrets, pool, "file:/run/secrets/db",
 *         CredentialFields.defaults());
 * }</pre>
 *
 * <p>HikariCP is an optional dependency of {@code secrets-core}: only the classes of this package that name it need
 * it on the class path.
 */
package dev.rotor.secrets.jdbc;
