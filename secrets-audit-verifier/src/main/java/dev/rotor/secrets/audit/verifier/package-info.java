/**
 * The runnable audit chain verifier. The logic is {@link dev.rotor.secrets.audit.AuditChainVerifier} in secrets-core,
 * where applications can call it as a library; this module packages it as one self-contained jar.
 */
package dev.rotor.secrets.audit.verifier;
