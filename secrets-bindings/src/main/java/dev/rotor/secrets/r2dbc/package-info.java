/**
 * R2DBC: {@link dev.rotor.secrets.r2dbc.RotatingConnectionPool} is a connection factory whose connections come from an
 * {@code r2dbc-pool} pool opened with the current version of a credentials secret; each new version gets a new pool,
 * and the old one drains. Needs {@code io.r2dbc:r2dbc-pool} and a driver on the class path.
 */
package dev.rotor.secrets.r2dbc;
