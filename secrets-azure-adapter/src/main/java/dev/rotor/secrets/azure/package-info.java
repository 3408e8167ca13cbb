/**
 * Azure Key Vault for Rotor: {@link dev.rotor.secrets.azure.AzureKeyVaultSource} answers refs of the scheme {@code
 * azure-kv:} ({@code azure-kv:<vault>/<secret>[/<version>][#json-key]} or the vault URL form), with {@code expiresOn}
 * as the hard deadline and one {@code GetSecret} per poll; {@link dev.rotor.secrets.azure.AzureKeyVaultSourceProvider}
 * lets the client find it.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder().source(AzureKeyVaultSource.create()).build();
 * String password = secrets.value("azure-kv:orders-prod/db#password");
 * }</pre>
 */
package dev.rotor.secrets.azure;
