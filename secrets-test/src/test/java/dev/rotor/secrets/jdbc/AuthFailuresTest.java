package dev.rotor.secrets.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.jdbc.internal.AuthFailures;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import org.junit.jupiter.api.Test;

class AuthFailuresTest {
    @Test
    void isAuthFailure_sqlStateClass28_isRecognised() {
        assertThat(AuthFailures.isAuthFailure(new SQLException("refused", "28000")))
                .isTrue();
        assertThat(AuthFailures.isAuthFailure(new SQLException("password authentication failed", "28P01")))
                .isTrue();
    }

    @Test
    void isAuthFailure_vendorCodes_areRecognised() {
        assertThat(AuthFailures.isAuthFailure(new SQLException("Access denied", "HY000", 1045)))
                .as("MySQL")
                .isTrue();
        assertThat(AuthFailures.isAuthFailure(new SQLException("Login failed", "S0001", 18456)))
                .as("SQL Server")
                .isTrue();
        assertThat(AuthFailures.isAuthFailure(new SQLException("invalid username/password", "72000", 1017)))
                .as("Oracle by code")
                .isTrue();
        assertThat(AuthFailures.isAuthFailure(new SQLException("ORA-01017: invalid username/password")))
                .as("Oracle by message")
                .isTrue();
    }

    @Test
    void isAuthFailure_wrappedOrChained_isRecognised() {
        SQLException outer = new SQLException("connect failed", "08001");
        outer.setNextException(new SQLInvalidAuthorizationSpecException("refused", "28000"));
        assertThat(AuthFailures.isAuthFailure(outer)).isTrue();
        assertThat(AuthFailures.isAuthFailure(new RuntimeException(new SQLException("refused", "28P01"))))
                .isTrue();
    }

    @Test
    void isAuthFailure_otherFailures_areNot() {
        assertThat(AuthFailures.isAuthFailure(new SQLException("connection refused", "08001")))
                .isFalse();
        assertThat(AuthFailures.isAuthFailure(new SQLException("syntax", "42000", 1064)))
                .isFalse();
        assertThat(AuthFailures.isAuthFailure(new IllegalStateException())).isFalse();
        assertThat(AuthFailures.isAuthFailure(null)).isFalse();
    }

    @Test
    void isAuthFailure_causeCycle_terminates() {
        SQLException a = new SQLException("a", "08001");
        SQLException b = new SQLException("b", "08001", a);
        a.initCause(b);
        assertThat(AuthFailures.isAuthFailure(a)).isFalse();
    }
}
