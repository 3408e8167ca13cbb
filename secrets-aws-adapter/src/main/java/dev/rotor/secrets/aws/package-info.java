/**
 * AWS Secrets Manager source for Rotor: version stages, rotation awareness, batch preload. This module is a
 * placeholder until the adapter lands; it compiles against {@code secrets-core} only.
 */
package dev.rotor.secrets.aws;
