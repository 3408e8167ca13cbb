/**
 * A stateful AWS Secrets Manager on a local port, for tests without Docker: {@link
 * dev.rotor.secrets.test.aws.SecretsManagerFake} speaks the AWS JSON 1.1 protocol the AWS SDK v2 uses (point a client
 * at it with {@code endpointOverride}), keeps secrets, versions and staging labels the way the service documents them,
 * runs rotation functions written in Java on an injected clock and scheduler, and injects throttling, denials,
 * internal errors and latency. {@link dev.rotor.secrets.test.aws.SecretsManagerFakeExtension} starts one per test.
 *
 * <p>The fake does not need the AWS SDK on the class path; it needs only the JDK's HTTP server and Jackson.
 */
package dev.rotor.secrets.test.aws;
