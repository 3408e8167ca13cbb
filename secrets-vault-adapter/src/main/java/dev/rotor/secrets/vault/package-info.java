/**
 * HashiCorp Vault (and OpenBao) source for Rotor: {@link dev.rotor.secrets.vault.VaultSource} for the {@code vault:}
 * scheme and {@link dev.rotor.secrets.vault.VaultAuth} for its auth methods (token, AppRole with an optional wrapped
 * secret id, Kubernetes, JWT/OIDC, TLS certificate, userpass). It reads KV v1 and v2 secrets, dynamic secrets with
 * leases and database static roles, issues certificates from the PKI secrets engine (the certificate's validity as
 * the lease), follows its own client certificate files, and keeps its own token alive on the client's refresh engine.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .source(VaultSource.builder().address("https://vault:8200").auth(VaultAuth.kubernetes("app")).build())
 *         .build();
 * }</pre>
 */
package dev.rotor.secrets.vault;
