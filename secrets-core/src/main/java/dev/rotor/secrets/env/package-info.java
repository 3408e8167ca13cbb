/**
 * The {@code env:} source, for local development: {@code env:DB_PASSWORD} reads an environment variable. See
 * {@link dev.rotor.secrets.env.EnvSecretSource}.
 */
package dev.rotor.secrets.env;
