/**
 * AWS Secrets Manager for Rotor: {@link dev.rotor.secrets.aws.AwsSecretsManagerSource} answers refs of the scheme
 * {@code aws-sm:} with version stages, cheap change detection through {@code DescribeSecret}, rotation windows and
 * batch preload; {@link dev.rotor.secrets.aws.AwsSecretsManagerSourceProvider} lets the client find it.
 *
 * <pre>{@code
 * Secrets secrets = Secrets.builder()
 *         .source(AwsSecretsManagerSource.builder().region(Region.EU_WEST_1).build())
 *         .build();
 * String password = secrets.value("aws-sm:prod/db#password");
 * }</pre>
 */
package dev.rotor.secrets.aws;
