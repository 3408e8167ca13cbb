/**
 * Google Secret Manager for Rotor: {@link dev.rotor.secrets.gcp.GoogleSecretManagerSource} answers refs of the scheme
 * {@code gcp-sm:} (global and regional secrets, numbered versions, {@code latest} and aliases), checks every payload's
 * CRC32C, and detects changes through the access quota; {@link dev.rotor.secrets.gcp.GoogleSecretManagerSourceProvider}
 * lets the client find it; {@link dev.rotor.secrets.gcp.SecretVersionNotEnabledException} says when a version is
 * disabled or destroyed.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder().source(GoogleSecretManagerSource.create()).build();
 * String password = secrets.value("gcp-sm:my-project/db#password");
 * }</pre>
 */
package dev.rotor.secrets.gcp;
