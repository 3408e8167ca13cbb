/**
 * Redis through Lettuce: {@link dev.rotor.secrets.redis.SecretRedisCredentialsProvider} logs new connections in with
 * the current version of a secret and pushes each new version to the open ones, which re-authenticate when the client
 * is built with {@code ClientOptions.ReauthenticateBehavior.ON_NEW_CREDENTIALS}. Needs {@code io.lettuce:lettuce-core}
 * 6.6 or later on the class path.
 */
package dev.rotor.secrets.redis;
