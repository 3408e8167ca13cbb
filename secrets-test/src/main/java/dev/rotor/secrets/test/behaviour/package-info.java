/**
 * One behavioural suite for every adapter: {@link dev.rotor.secrets.test.behaviour.SourceBehaviour} is a JUnit 5
 * test class that an adapter's tests extend with a {@link dev.rotor.secrets.test.behaviour.StoreUnderTest} for their
 * store (its stateful fake, an emulator, or a real server), so that a new adapter is held to what the others do:
 * read, field, change, delete, access denied, not found, throttled, unavailable and malformed, each with the typed
 * error that names the ref and the source and never the value.
 */
package dev.rotor.secrets.test.behaviour;
