/**
 * Implementation of the Vault adapter: the HTTP transport, error mapping, the auth methods and the token session.
 * Not part of the public API; it may change in any release.
 */
package dev.rotor.secrets.vault.internal;
