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
        b.rotateOnCompromise(a.isRotateOnCompromise()).describeSecrets(a.isDescribeSecrets());
        try {
            return b.build();
        } catch (SecretConfigurationException e) {
            throw new SecretConfigurationException("invalid " + P + "*: " + e.getMessage(), null, SCHEME, e);
        }
    }
}
