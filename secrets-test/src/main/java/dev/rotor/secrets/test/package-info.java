/**
 * Rotor's test kit for users' own tests: {@link dev.rotor.secrets.test.ManualClock}, {@link
 * dev.rotor.secrets.test.ManualScheduler} (runs due tasks when the test advances time), {@link
 * dev.rotor.secrets.test.InMemorySource} (versions, leases, scripted failures, latency, call counters) and {@link
 * dev.rotor.secrets.test.RecordingListener}.
 */
package dev.rotor.secrets.test;
