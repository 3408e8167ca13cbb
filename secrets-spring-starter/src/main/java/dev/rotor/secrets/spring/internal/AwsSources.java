package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.aws.AwsSecretsManagerSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Builds the {@link AwsSecretsManagerSource} that {@code rotor.aws.*} describes, with the application's {@link
 * AwsCredentialsProvider} bean when there is one (else the SDK's default credentials chain). Loaded only when the AWS
 * adapter is on the class path (this class links against it and the SDK).
 *
 * <pre>{@code
 * SecretSource aws = AwsSources.create(properties.getAws(), credentials);
 * }</pre>
 */
final class AwsSources {
    static final String SCHEME = "aws-sm";
    static final String CLASS_NAME = "dev.rotor.secrets.aws.AwsSecretsManagerSource";
    private static final String P = "rotor.aws.";

    private AwsSources() {}

    static SecretSource create(RotorProperties.Aws a, Object credentials) {
        AwsSecretsManagerSource.Builder b = AwsSecretsManagerSource.builder();
        if (a.getRegion() != null) {
            if (a.getRegion().isBlank()) {
                throw new SecretConfigurationException(P + "region must not be blank", null, SCHEME);
            }
            b.region(Region.of(a.getRegion().strip()));
        }
        if (a.getEndpoint() != null) {
            String scheme = a.getEndpoint().getScheme();
            if (!"https".equals(scheme) && !"http".equals(scheme)) {
                throw new SecretConfigurationException(
                        P + "endpoint must be an http(s) URL, was " + a.getEndpoint(), null, SCHEME);
            }
            b.endpointOverride(a.getEndpoint());
        }
        if (credentials != null) {
            b.credentialsProvider((AwsCredentialsProvider) credentials);
        }
        Duration interval = a.getRotationCheckInterval();
        if (interval != null) {
            if (interval.isNegative() || interval.isZero()) {
                throw new SecretConfigurationException(
                        P + "rotation-check-interval must be positive, was " + interval, null, SCHEME);
            }
            b.rotationCheckInterval(interval);
        }
        Duration call = a.getApiCallTimeout();
        if (call != null) {
            b.apiCallTimeout(positive(P + "api-call-timeout", call));
        }
        Duration attempt = a.getApiCallAttemptTimeout();
        if (attempt != null) {
            b.apiCallAttemptTimeout(positive(P + "api-call-attempt-timeout", attempt));
            Duration whole = call != null ? call : AwsSecretsManagerSource.DEFAULT_API_CALL_TIMEOUT;
            if (attempt.compareTo(whole) > 0) {
                throw new SecretConfigurationException(
                        P + "api-call-attempt-timeout (" + attempt + ") must not be longer than " + P
                                + "api-call-timeout (" + whole + (call == null ? ", the default" : "") + ")",
                        null,
                        SCHEME);
            }
        }
        b.allowInsecureHttp(a.isAllowInsecureHttp());
        b.rotateOnCompromise(a.isRotateOnCompromise()).describeSecrets(a.isDescribeSecrets());
        try {
            return b.build();
        } catch (SecretConfigurationException e) {
            if (e.getMessage().contains("endpointOverride") && e.getMessage().contains("allowInsecureHttp")) {
                throw new SecretConfigurationException(
                        P + "endpoint uses plain http to a host that is not loopback; use https or set " + P
                                + "allow-insecure-http=true",
                        null,
                        SCHEME);
            }
            throw new SecretConfigurationException("invalid " + P + "*: " + e.getMessage(), null, SCHEME, e);
        }
    }

    private static Duration positive(String property, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new SecretConfigurationException(property + " must be positive, was " + d, null, SCHEME);
        }
        return d;
    }
}
