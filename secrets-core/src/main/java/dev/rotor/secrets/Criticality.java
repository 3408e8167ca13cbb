package dev.rotor.secrets;

/**
 * How much the application suffers when a declared secret is not fresh: a label carried into the inventory, the
 * meters and the alert rules, so that a page at night is reserved for what deserves one. It changes no engine
 * behaviour. The default for a declaration is {@link #MEDIUM}.
 *
 * <pre>{@code
 * SecretDeclaration.of("vault:database/creds/app").criticality(Criticality.CRITICAL)
 * }</pre>
 */
public enum Criticality {
    /** A convenience: the application works without it. */
    LOW,
    /** The default: a feature degrades without it. */
    MEDIUM,
    /** A main path of the application needs it. */
    HIGH,
    /** The application cannot serve without it. */
    CRITICAL
}
