package dev.rotor.secrets.jdbc.internal;

import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Recognises a refused login in what a JDBC driver throws: SQLState {@code 28000} (invalid authorization, the SQL
 * standard's class 28) or {@code 28P01} (PostgreSQL, invalid password), MySQL and MariaDB error 1045, SQL Server error
 * 18456, Oracle ORA-01017. Looks through the cause chain and the chained next exceptions, a bounded number of steps.
 */
public final class AuthFailures {
    private static final int MAX_STEPS = 32;

    private AuthFailures() {}

    public static boolean isAuthFailure(Throwable failure) {
        return find(failure) != null;
    }

    /** The exception in the chain that says the login was refused; null when none does. */
    public static SQLException find(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        Throwable t = failure;
        for (int steps = 0; t != null && steps < MAX_STEPS && seen.put(t, Boolean.TRUE) == null; steps++) {
            if (t instanceof SQLException) {
                SQLException e = (SQLException) t;
                if (matches(e)) {
                    return e;
                }
                SQLException next = e.getNextException();
                if (next != null && next != e && matches(next)) {
                    return next;
                }
            }
            t = t.getCause();
        }
        return null;
    }

    /**
     * Why a connection attempt failed, in words a person can act on and without the driver's message (which can quote
     * the user name): {@code "login refused: SQLState 28000"}, {@code "connection failed: SQLState 08001"}, or the
     * exception's class name when it is no {@link SQLException}.
     */
    public static String reason(Throwable failure) {
        SQLException refused = find(failure);
        if (refused != null) {
            return "login refused: " + code(refused);
        }
        if (failure instanceof SQLException) {
            return "connection failed: " + code((SQLException) failure);
        }
        return "connection failed: " + failure.getClass().getName();
    }

    private static String code(SQLException e) {
        String state = e.getSQLState();
        if (state != null && !state.isBlank()) {
            return "SQLState " + state;
        }
        return "error code " + e.getErrorCode();
    }

    private static boolean matches(SQLException e) {
        String state = e.getSQLState();
        if ("28000".equals(state) || "28P01".equals(state)) {
            return true;
        }
        int code = e.getErrorCode();
        if (code == 1045 || code == 18456 || code == 1017) {
            return true;
        }
        String message = e.getMessage();
        return message != null && message.startsWith("ORA-01017");
    }
}
