package dev.rotor.secrets.spring.internal;

import org.springframework.beans.factory.ListableBeanFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Finds the application's {@link AwsCredentialsProvider} bean for the source {@code rotor.aws.*} describes. Called
 * only when the SDK is on the class path (this class links against it).
 *
 * <pre>{@code
 * Object provider = AwsCredentials.unique(context);   // null: the SDK's default credentials chain
 * }</pre>
 */
public final class AwsCredentials {
    private AwsCredentials() {}

    /** The context's single {@link AwsCredentialsProvider} bean, or null when there is none or more than one. */
    public static Object unique(ListableBeanFactory beans) {
        return beans.getBeanProvider(AwsCredentialsProvider.class).getIfUnique();
    }
}
