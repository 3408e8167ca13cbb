package dev.rotor.secrets.spring.internal;

import com.azure.core.credential.TokenCredential;
import org.springframework.beans.factory.ListableBeanFactory;

/**
 * Finds the application's {@link TokenCredential} bean for the source {@code rotor.azure.*} describes. Called only
 * when the Azure SDK is on the class path (this class links against it).
 *
 * <pre>{@code
 * Object credential = AzureCredentials.unique(context);   // null: DefaultAzureCredential
 * }</pre>
 */
public final class AzureCredentials {
    private AzureCredentials() {}

    /** The context's single {@link TokenCredential} bean, or null when there is none or more than one. */
    public static Object unique(ListableBeanFactory beans) {
        return beans.getBeanProvider(TokenCredential.class).getIfUnique();
    }
}
