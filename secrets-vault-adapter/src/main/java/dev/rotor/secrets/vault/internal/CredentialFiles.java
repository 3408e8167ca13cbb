package dev.rotor.secrets.vault.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns, once per file, when a credential file (a token, a JWT, a private key) can be read by the file's group or by
 * other users: POSIX permission bits only, on file systems that have them (elsewhere nothing is checked). The bits
 * are checked whoever the process runs as: root reads every file anyway, but the other users on the host do not. The
 * warning names the option and the path, never the content, and reading goes on. Thread-safe.
 */
public final class CredentialFiles {
    private static final Logger LOG = LoggerFactory.getLogger(CredentialFiles.class);

    // an auth method reads one file: this stays as small as the files it is given
    private final Set<Path> warned = ConcurrentHashMap.newKeySet();

    /** Checks {@code file}, named by {@code option} in the warning; a file already warned about is not checked again. */
    public void check(Path file, String option) {
        if (warned.contains(file)) {
            return;
        }
        Set<PosixFilePermission> perms;
        try {
            // follows links: Kubernetes mounts its token as a link into a timestamped directory
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException | IOException | SecurityException notPosixOrUnreadable) {
            // no POSIX bits here, or the file cannot be looked at: the read that follows says what is wrong
            return;
        }
        boolean group = perms.contains(PosixFilePermission.GROUP_READ);
        boolean others = perms.contains(PosixFilePermission.OTHERS_READ);
        if (!group && !others) {
            return;
        }
        if (!warned.add(file)) {
            return;
        }
        LOG.warn(
                "The credential file {} ({}) is readable by {} (permissions {}): restrict it to its owner (chmod 600"
                        + " or 400)",
                file,
                option,
                group && others ? "its group and by other users" : group ? "its group" : "other users",
                PosixFilePermissions.toString(perms));
    }

    @Override
    public String toString() {
        return "CredentialFiles{warned=" + warned.size() + "}";
    }
}
