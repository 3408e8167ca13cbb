package dev.rotor.secrets.spring.internal;

import com.azure.core.credential.TokenCredential;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.azure.AzureKeyVaultSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spring.RotorProperties;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;

/**
 * Builds the {@link AzureKeyVaultSource} that {@code rotor.azure.*} describes, with the application's {@link
 * TokenCredential} bean when it has one. Loaded only when the adapter is on the class path (this class links against
 * it).
 *
 * <pre>{@code
 * SecretSource azure = AzureSourceBuilder.create(properties.getAzure(), adapters.azureCredential());
 * }</pre>
 */
final class AzureSourceBuilder {
    private static final String P = "rotor.azure.";

    private AzureSourceBuilder() {}

    static SecretSource create(RotorProperties.Azure a, Object credential) {
        AzureKeyVaultSource.Builder b = AzureKeyVaultSource.builder();
        if (credential != null) {
            if (a.getManagedIdentityClientId() != null) {
                throw new SecretConfigurationException(
                        P + "managed-identity-client-id is for DefaultAzureCredential, and the application has a"
                                + " TokenCredential bean: set the identity on that credential",
                        null,
                        AzureSources.SCHEME);
            }
            b.credential((TokenCredential) credential);
        } else if (a.getManagedIdentityClientId() != null) {
            b.managedIdentityClientId(a.getManagedIdentityClientId().strip());
        }
        if (a.getDnsSuffix() != null) {
            b.dnsSuffix(a.getDnsSuffix().strip());
        }
        for (Map.Entry<String, URI> v : a.getVaultUrls().entrySet()) {
            b.vaultUrl(v.getKey(), v.getValue());
        }
        if (a.getCallTimeout() != null) {
            b.callTimeout(positive("call-timeout", a.getCallTimeout()));
        }
        if (a.getConnectTimeout() != null) {
            b.connectTimeout(positive("connect-timeout", a.getConnectTimeout()));
        }
        if (a.getTrustCertificates() != null) {
            b.trustStore(trustStore(a.getTrustCertificates()));
        }
        if (a.isDisableChallengeResourceVerification()) {
            if (a.getVaultUrls().isEmpty()
                    || !a.getVaultUrls().values().stream().allMatch(AzureSourceBuilder::isLoopback)) {
                throw new SecretConfigurationException(
                        P + "disable-challenge-resource-verification is only for an emulator: every " + P
                                + "vault-urls entry must be a loopback host",
                        null,
                        AzureSources.SCHEME);
            }
            b.disableChallengeResourceVerification(true);
        }
        try {
            return b.build();
        } catch (SecretConfigurationException e) {
            // the adapter's message names its builder option; this one names the property group (and holds no value)
            throw new SecretConfigurationException("invalid " + P + "*: " + e.getMessage(), null, AzureSources.SCHEME);
        }
    }

    private static KeyStore trustStore(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new SecretConfigurationException(
                        P + "trust-certificates holds no certificate: " + pem, null, AzureSources.SCHEME);
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                store.setCertificateEntry("ca-" + i++, c);
            }
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new SecretConfigurationException(
                    P + "trust-certificates cannot be read as PEM certificates: " + pem + " ("
                            + e.getClass().getSimpleName() + ")",
                    null,
                    AzureSources.SCHEME);
        }
    }

    private static boolean isLoopback(URI url) {
        String host = url.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!host.matches("[0-9.]+|\\[[0-9a-fA-F:]+\\]")) {
            return false; // a name would need a lookup
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Duration positive(String property, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new SecretConfigurationException(
                    P + property + " must be positive, was " + d, null, AzureSources.SCHEME);
        }
        return d;
    }
}
