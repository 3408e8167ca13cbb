package dev.rotor.secrets.audit.verifier;

import dev.rotor.secrets.audit.AuditChainVerifier;

/**
 * The entry point of {@code rotor-audit-verifier.jar}: {@link AuditChainVerifier#main}, whose options and exit
 * statuses it documents.
 *
 * <pre>
 * java -jar rotor-audit-verifier.jar --key 1=old-key --key 2=key /var/log/app/audit.jsonl
 * </pre>
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        AuditChainVerifier.main(args);
    }
}
