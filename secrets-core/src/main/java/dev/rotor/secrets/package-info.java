/**
 * Rotor's public API: {@link dev.rotor.secrets.Secrets} (the client), {@link dev.rotor.secrets.SecretRef}, {@link
 * dev.rotor.secrets.Secret}, {@link dev.rotor.secrets.Lease}, {@link dev.rotor.secrets.SecretHandle}, listeners,
 * events, policies and the exception hierarchy rooted at {@link dev.rotor.secrets.SecretException}.
 */
package dev.rotor.secrets;
