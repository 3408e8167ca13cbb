/**
 * Implementation details of the Google Secret Manager source: ref parsing, error mapping and payload checks. Not a
 * public API; may change in any release.
 */
package dev.rotor.secrets.gcp.internal;
