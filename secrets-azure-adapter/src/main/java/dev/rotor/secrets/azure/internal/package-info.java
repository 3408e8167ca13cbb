/**
 * Implementation details of the Azure Key Vault source: ref parsing, the answer policy (size cap, error codes without
 * messages), error mapping and content parsing. Not a public API; may change in any release.
 */
package dev.rotor.secrets.azure.internal;
