/**
 * Spring Boot support for Rotor: the {@code rotor.*} properties ({@link dev.rotor.secrets.spring.RotorProperties}),
 * the auto-configured {@link dev.rotor.secrets.Secrets} client (with the Vault and AWS sources the properties
 * describe), {@code spring.config.import=rotor:<ref>}, the HikariCP pool binding ({@code rotor.datasource.ref}), the
 * {@code rotor} health contributor and Actuator endpoint, and Micrometer meters.
 *
 * <pre>{@code
 * # application.properties
 * spring.config.import=rotor:file:/run/secrets/db?prefix=db.
 * rotor.secrets[0].ref=file:/run/secrets/db
 * rotor.secrets[0].required=true
 * rotor.datasource.ref=file:/run/secrets/db
 * }</pre>
 */
package dev.rotor.secrets.spring;
