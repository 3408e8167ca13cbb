package dev.rotor.secrets;

import java.util.List;

/**
 * The client's health, derived from the same state as {@link Secrets#inventory()}:
 *
 * <ul>
 *   <li>{@link Status#DOWN} when a secret declared {@linkplain SecretDeclaration#required(boolean) required} is past
 *       its hard deadline, or has never loaded because its loads fail;
 *   <li>{@link Status#DEGRADED} when any refresh is failing (the last good version is still served) or any other
 *       secret has expired;
 *   <li>{@link Status#UP} otherwise.
 * </ul>
 *
 * The entries that made it less than up are listed, never with a value. {@link #warnings()} lists what the sources
 * found when they checked their permissions at start (more granted than needed, a check the store would not answer);
 * warnings never lower the status. Immutable.
 */
public final class Health {
    /** The overall state. */
    public enum Status {
        UP,
        DEGRADED,
        DOWN
    }

    private final Status status;
    private final List<InventoryEntry> problems;
    private final List<String> warnings;

    private Health(Status status, List<InventoryEntry> problems, List<String> warnings) {
        this.status = status;
        this.problems = List.copyOf(problems);
        this.warnings = List.copyOf(warnings);
    }

    /** Health as the given inventory implies it. */
    public static Health of(List<InventoryEntry> inventory) {
        return of(inventory, List.of());
    }

    /** Health as the given inventory implies it, with the start-up check's {@code warnings} (never a value). */
    public static Health of(List<InventoryEntry> inventory, List<String> warnings) {
        Status status = Status.UP;
        List<InventoryEntry> problems = new java.util.ArrayList<>();
        for (InventoryEntry e : inventory) {
            boolean failing = e.state() == SecretState.EXPIRED
                    || e.state() == SecretState.DEGRADED
                    || (e.state() == SecretState.LOADING && e.lastError().isPresent());
            if (!failing) {
                continue;
            }
            problems.add(e);
            boolean down = e.required() && (e.state() == SecretState.EXPIRED || e.state() == SecretState.LOADING);
            if (down) {
                status = Status.DOWN;
            } else if (status == Status.UP) {
                status = Status.DEGRADED;
            }
        }
        return new Health(status, problems, warnings);
    }

    public Status status() {
        return status;
    }

    /** The secrets that are failing or expired. */
    public List<InventoryEntry> problems() {
        return problems;
    }

    /**
     * What the sources found when they checked their permissions at start, as warnings: capabilities granted beyond
     * what the declared secrets need, a root token, a check the store would not answer. Never a value or a token.
     */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public String toString() {
        return "Health{" + status + ", problems=" + problems.size()
                + (warnings.isEmpty() ? "" : ", warnings=" + warnings.size()) + "}";
    }
}
