/**
 * HashiCorp Vault (and OpenBao) source for Rotor: auth methods, token session, KV v1/v2, dynamic and static-role
 * leases. This module is a placeholder until the adapter lands; it compiles against {@code secrets-core} only.
 */
package dev.rotor.secrets.vault;
