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
 * The entries that made it less than up are listed, never with a value. Immutable.
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

    private Health(Status status, List<InventoryEntry> problems) {
        this.status = status;
        this.problems = List.copyOf(problems);
    }

    /** Health as the given inventory implies it. */
    public static Health of(List<InventoryEntry> inventory) {
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
        return new Health(status, problems);
    }

    public Status status() {
        return status;
    }

    /** The secrets that are failing or expired. */
    public List<InventoryEntry> problems() {
        return problems;
    }

    @Override
    public String toString() {
        return "Health{" + status + ", problems=" + problems.size() + "}";
    }
}
