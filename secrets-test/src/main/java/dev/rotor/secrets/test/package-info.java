/**
 * Rotor's test kit for users' own tests: {@link dev.rotor.secrets.test.ManualClock}, {@link
 * dev.rotor.secrets.test.ManualScheduler} (runs due tasks when the test advances time), {@link
 * dev.rotor.secrets.test.InMemorySource} (versions, leases, rotation windows, scripted failures, latency, call
 * counters), {@link dev.rotor.secrets.test.RecordingListener}, {@link dev.rotor.secrets.test.MountedSecretDirectory}
 * (a Kubernetes-style mounted secret folder, swapped atomically per version) and {@link
 * dev.rotor.secrets.test.LeakCheck} (plants values and proves none of them escapes into logs, output, events or
 * exceptions).
 */
package dev.rotor.secrets.test;
