/**
 * A stateful Azure Key Vault on a local HTTPS port, for tests without Docker or a subscription: {@link
 * dev.rotor.secrets.test.azure.KeyVaultFake} speaks the secrets part of the Key Vault REST API the Azure SDK uses
 * (point a client at its vault URL and trust its self-signed certificate), keeps versions, attributes ({@code enabled},
 * {@code nbf}, {@code exp}) and soft deletes the way the service documents them, answers the bearer challenge, and
 * injects denials, throttling with {@code Retry-After}, server errors, latency and malformed answers.
 *
 * <p>The fake does not need the Azure SDK on the class path; it needs only the JDK's HTTPS server and Jackson.
 */
package dev.rotor.secrets.test.azure;
