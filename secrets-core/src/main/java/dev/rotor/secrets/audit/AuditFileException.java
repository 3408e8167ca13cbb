package dev.rotor.secrets.audit;

import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;

/**
 * The audit file cannot be opened or continued: its directory is not writable, its last record is not a chain
 * record, or the key named by the key ref is unusable (too short, no single value). The message names the file (by its
 * name only), the key ref and the source {@value ChainedAuditFile#SOURCE}; never a key or any other value. Not
 * retryable: the file or the key needs a person's attention.
 */
public final class AuditFileException extends SecretException {
    private static final long serialVersionUID = 1L;

    AuditFileException(String message, SecretRef keyRef, Throwable cause) {
        super(message, keyRef, ChainedAuditFile.SOURCE, false, cause);
    }
}
