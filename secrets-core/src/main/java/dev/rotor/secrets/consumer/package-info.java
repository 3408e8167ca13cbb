/**
 * Consumers: anything that takes a credential into use (a JDBC pool, a data source, a client, an {@code
 * SSLContext}) implements {@link dev.rotor.secrets.consumer.SecretConsumer}, and a {@link
 * dev.rotor.secrets.consumer.ConsumerBinding} keeps it on the current version of a secret: it offers each version,
 * lets the consumer veto it, measures and reports each {@link dev.rotor.secrets.consumer.HandOver}, and lets the
 * engine retire the previous version once the consumer has let go of it. The HikariCP binding and the rotating data
 * source of {@code dev.rotor.secrets.jdbc} are consumers.
 *
 * <pre>{@code
 * SecretConsumer header = new ApiKeyHeader();
 * Secrets secrets = Secrets.builder().validator(ref, ConsumerBinding.validator(header)).build();
 * ConsumerBinding binding = ConsumerBinding.builder(secrets, header, ref).validateOnDelivery(false).bind();
 * }</pre>
 */
package dev.rotor.secrets.consumer;
