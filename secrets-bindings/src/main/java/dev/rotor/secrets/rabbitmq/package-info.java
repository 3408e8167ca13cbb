/**
 * RabbitMQ's Java client: {@link dev.rotor.secrets.rabbitmq.SecretCredentialsProvider} gives each connection the
 * current version of a credentials secret and, as its refresh service, pushes new versions of a leased secret to the
 * open connections. Needs {@code com.rabbitmq:amqp-client} 5.8 or later on the class path.
 */
package dev.rotor.secrets.rabbitmq;
