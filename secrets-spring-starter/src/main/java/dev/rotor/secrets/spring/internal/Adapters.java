package dev.rotor.secrets.spring.internal;

import java.util.Objects;
import org.springframework.util.ClassUtils;

/**
 * Where {@link SecretsFactory} looks for the adapters' classes (the application's class loader), and what the context
 * holds for them (an AWS credentials provider, typed {@code Object} so that this class never links against the SDK).
 * Immutable.
 *
 * <pre>{@code
 * Adapters adapters = Adapters.of(context.getClassLoader()).withAwsCredentials(provider);
 * }</pre>
 */
public final class Adapters {
    private final ClassLoader classLoader;
    private final Object awsCredentials;
    private final Object azureCredential;

    private Adapters(ClassLoader classLoader, Object awsCredentials, Object azureCredential) {
        this.classLoader = classLoader;
        this.awsCredentials = awsCredentials;
        this.azureCredential = azureCredential;
    }

    public static Adapters of(ClassLoader classLoader) {
        return new Adapters(Objects.requireNonNull(classLoader, "classLoader"), null, null);
    }

    /** With an {@code AwsCredentialsProvider} for the source {@code rotor.aws.*} describes (null: the SDK's chain). */
    public Adapters withAwsCredentials(Object provider) {
        return new Adapters(classLoader, provider, azureCredential);
    }

    /**
     * With a {@code TokenCredential} for the source {@code rotor.azure.*} describes (null: {@code
     * DefaultAzureCredential}).
     */
    public Adapters withAzureCredential(Object credential) {
        return new Adapters(classLoader, awsCredentials, credential);
    }

    boolean present(String className) {
        return ClassUtils.isPresent(className, classLoader);
    }

    Object awsCredentials() {
        return awsCredentials;
    }

    Object azureCredential() {
        return azureCredential;
    }

    @Override
    public String toString() {
        return "Adapters{awsCredentials=" + (awsCredentials != null) + ", azureCredential=" + (azureCredential != null)
                + "}";
    }
}
