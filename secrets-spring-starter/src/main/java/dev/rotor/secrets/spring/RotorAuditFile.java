package dev.rotor.secrets.spring;

import dev.rotor.secrets.audit.ChainedAuditFile;
import java.util.Objects;

/**
 * The bean {@link RotorAuditFileAutoConfiguration} publishes: the client's {@link ChainedAuditFile}, already added to
 * its event listeners. A holder rather than the sink itself, so that the sink is not also collected as one of the
 * event listener beans the client is built with. Closing it closes the file with a close record. Thread-safe.
 */
public final class RotorAuditFile implements AutoCloseable {
    private final ChainedAuditFile file;

    public RotorAuditFile(ChainedAuditFile file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The sink, for its {@link ChainedAuditFile#lastWritten() last anchor}. */
    public ChainedAuditFile file() {
        return file;
    }

    @Override
    public void close() {
        file.close();
    }
}
