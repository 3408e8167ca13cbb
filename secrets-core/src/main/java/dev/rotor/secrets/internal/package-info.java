/** Rotor's implementation: the refresh engine, source gates, scheduling. Not an API; it may change in any release. */
package dev.rotor.secrets.internal;
