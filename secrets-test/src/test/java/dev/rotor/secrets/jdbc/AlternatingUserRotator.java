package dev.rotor.secrets.jdbc;

import java.sql.SQLException;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Rotates database credentials the way AWS and Vault do for a database with one password per user: two users take
 * turns. A rotation sets a fresh password on the idle user and publishes that user with it as the new version; the
 * previous user's password stays valid for a grace period, after which {@link #disablePrevious()} changes it so that it
 * no longer logs in. Not thread-safe: one rotating thread.
 */
final class AlternatingUserRotator {
    private final H2Database db;
    private final Consumer<Map<String, String>> publisher;
    private final String[] users;
    private int active;
    private int rotations;
    private String previous;

    AlternatingUserRotator(H2Database db, Consumer<Map<String, String>> publisher, String userA, String userB) {
        this.db = db;
        this.publisher = publisher;
        this.users = new String[] {userA, userB};
    }

    /** Creates both users; the first one is active and published as version 0. */
    Map<String, String> start() throws SQLException {
        String password = H2Database.newPassword();
        db.createUser(users[0], password);
        db.createUser(users[1], H2Database.newPassword());
        Map<String, String> fields = fields(users[0], password);
        publisher.accept(fields);
        return fields;
    }

    /** Applies a new password to the idle user, then publishes it; answers the new version's fields. */
    Map<String, String> rotate() throws SQLException {
        int idle = 1 - active;
        String password = H2Database.newPassword();
        db.setPassword(users[idle], password);
        previous = users[active];
        active = idle;
        rotations++;
        Map<String, String> fields = fields(users[idle], password);
        publisher.accept(fields);
        return fields;
    }

    /** The end of the grace period: the previous user's password changes, so it no longer logs in. */
    void disablePrevious() throws SQLException {
        if (previous != null) {
            db.setPassword(previous, H2Database.newPassword());
            previous = null;
        }
    }

    int rotations() {
        return rotations;
    }

    private Map<String, String> fields(String user, String password) {
        return Map.of("username", user, "password", password, "rotation", String.valueOf(rotations));
    }
}
