/**
 * The service provider interface for adapter authors: {@link dev.rotor.secrets.spi.SecretSource} (one required
 * method, optional renew, revoke, version probe, batch fetch and rotate, declared through {@link
 * dev.rotor.secrets.spi.SourceCapability}) and {@link dev.rotor.secrets.spi.SecretSourceProvider} for discovery.
 */
package dev.rotor.secrets.spi;
