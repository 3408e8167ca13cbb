/**
 * The starter's machinery: building the client and the adapters' sources from properties, the {@code rotor:}
 * config-data import and its property source, and the bean post-processor that binds the HikariCP pool. Not an API: anything here may change without notice.
 */
package dev.rotor.secrets.spring.internal;
