package dev.rotor.secrets.spring.internal;

import com.azure.core.credential.TokenCredential;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.bootstrap.BootstrapContext;

/**
 * Finds the application's {@link TokenCredential} bean for the source {@code rotor.azure.*} describes. Called only
 * when the Azure SDK is on the class path (this class links against it).
 *
 * <pre>{@code
 * Object credential = AzureCredentials.unique(context);   // null: DefaultAzureCredential
 * Object forImport = AzureCredentials.registered(bootstrap); // the config import's, from the bootstrap registry
 * }</pre>
 */
public final class AzureCredentials {
    private AzureCredentials() {}

    /** The context's single {@link TokenCredential} bean, or null when there is none or more than one. */
    public static Object unique(ListableBeanFactory beans) {
        return beans.getBeanProvider(TokenCredential.class).getIfUnique();
    }

    /**
     * The {@link TokenCredential} the application registered in the bootstrap registry for the config import (which
     * runs before any bean exists), or null.
     */
    static Object registered(BootstrapContext bootstrap) {
        return bootstrap.isRegistered(TokenCredential.class) ? bootstrap.get(TokenCredential.class) : null;
    }
}
