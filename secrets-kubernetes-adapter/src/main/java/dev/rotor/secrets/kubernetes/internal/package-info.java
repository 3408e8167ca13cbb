/**
 * Implementation details of the Kubernetes Secrets source: ref parsing, error mapping, content decoding and the shared
 * watch of each namespace. Not a public API; may change in any release.
 */
package dev.rotor.secrets.kubernetes.internal;
