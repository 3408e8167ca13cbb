/**
 * A stateful Google Secret Manager for tests without Docker or a Google Cloud project: {@link
 * dev.rotor.secrets.test.gcp.SecretManagerFake} serves {@code google.cloud.secretmanager.v1.SecretManagerService} in
 * process (and, on request, on {@code 127.0.0.1}), so Google's real {@code SecretManagerServiceClient} talks to it
 * through {@link dev.rotor.secrets.test.gcp.SecretManagerFake#settings()}. It keeps secrets, numbered versions,
 * {@code latest}, aliases and version states the way the API reference documents them, counts per-project quotas on
 * an injected clock, and injects denials, throttling, unavailability and damaged answers.
 *
 * <pre>{@code
 * try (SecretManagerFake gcp = SecretManagerFake.start(scheduler.clock())) {
 *     gcp.createSecret("my-project", "db");
 *     gcp.addVersion("my-project", "db", "{\"password\":\"p1\"}");
 *     GoogleSecretManagerSource source = GoogleSecretManagerSource.builder().settings(gcp.settings()).build();
 * }
 * }</pre>
 *
 * <p>The fake needs Google's client ({@code com.google.cloud:google-cloud-secretmanager}) and {@code
 * io.grpc:grpc-inprocess} on the test class path; the test kit declares both optional, so only the tests that use it
 * bring them.
 */
package dev.rotor.secrets.test.gcp;
