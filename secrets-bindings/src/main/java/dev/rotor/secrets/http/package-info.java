/**
 * HTTP API keys and bearer tokens: a {@link dev.rotor.secrets.http.SecretHeader} follows a secret, {@link
 * dev.rotor.secrets.http.SecretHeaderInterceptor} puts it on OkHttp requests and {@link
 * dev.rotor.secrets.http.SecretHeaderHttpClient} on the JDK's; both refresh the secret once and retry once on a 401.
 * The interceptor needs {@code com.squareup.okhttp3:okhttp} on the class path.
 */
package dev.rotor.secrets.http;
