/** Implementation of the JDBC bindings: HikariCP detection and the per-version credential setters. Not public API. */
package dev.rotor.secrets.jdbc.internal;
