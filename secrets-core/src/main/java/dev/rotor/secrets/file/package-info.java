/**
 * The {@code file:} source: secrets read from single files (raw, JSON or properties) or from directories laid out
 * the way Kubernetes mounts a Secret, with versions counted on change and half-written files never served. See
 * {@link dev.rotor.secrets.file.FileSecretSource}.
 */
package dev.rotor.secrets.file;
