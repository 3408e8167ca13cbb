/**
 * A stateful stand-in for HashiCorp Vault's HTTP API on a local port, for Rotor's tests and for users' own: {@link
 * dev.rotor.secrets.test.vault.VaultFake} (tokens that own leases, renewals capped at the max TTL, KV v1 and v2 with
 * soft deletes, the database secrets engine, the PKI secrets engine's issue and revoke, AppRole, Kubernetes, JWT and
 * userpass logins, AWS IAM, Google Cloud, Azure and LDAP logins through {@link
 * dev.rotor.secrets.test.vault.VaultFakeCloudAuth}, response wrapping, policies, failure modes and a request log), {@link
 * dev.rotor.secrets.test.vault.MetadataFake} (Google's metadata server and Azure's IMDS on a local port) and {@link
 * dev.rotor.secrets.test.vault.VaultFakeExtension}, which starts one per test class or per test. No Docker, no
 * dependency beyond the JDK's HTTP server and Jackson: the PKI engine's certificates are minted with the JDK alone.
 */
package dev.rotor.secrets.test.vault;
