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
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        Throwable t = failure;
        for (int steps = 0; t != null && steps < MAX_STEPS && seen.put(t, Boolean.TRUE) == null; steps++) {
            if (t instanceof SQLException) {
                SQLException e = (SQLException) t;
                if (matches(e)) {
                    return true;
                }
                SQLException next = e.getNextException();
                if (next != null && next != e && matches(next)) {
                    return true;
                }
            }
            t = t.getCause();
        }
        return false;
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
