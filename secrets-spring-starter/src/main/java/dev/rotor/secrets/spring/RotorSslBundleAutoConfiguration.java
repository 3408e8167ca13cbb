package dev.rotor.secrets.spring;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.spring.internal.SslBundleBinder;
import dev.rotor.secrets.tls.CertificateBundle;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.env.Environment;

/**
 * Registers a Spring Boot SSL bundle for each {@code rotor.ssl.bundle.<name>.*} group, built from a certificate secret
 * (and optionally a CA bundle secret) and updated at each new version through {@link SslBundleRegistry#updateBundle}:
 * the embedded web server ({@code server.ssl.bundle=<name>}) reloads its certificate, and clients built from the bundle
 * (a {@code RestClient} through {@code RestClientSsl.fromBundle}, before the renewal or after it) present the new one
 * on their next connection, without a restart: the bundle's {@code SSLContext} and managers follow the version in
 * service. The {@code rotor} health lists each bundle's certificate ({@code sslBundles}) and is {@code DOWN} while one
 * has expired.
 *
 * <pre>{@code
 * rotor.ssl.bundle.web.ref=file:/etc/tls?format=tls        # tls.crt, tls.key (cert-manager, a mounted TLS secret)
 * rotor.ssl.bundle.web.trust-ref=file:/etc/tls/ca.crt      # optional: the CAs to trust for peers
 * server.ssl.bundle=web
 * }</pre>
 *
 * A version that does not parse, whose key is not its leaf's, whose chain breaks or that is outside its validity window
 * is vetoed: the bundle stays on the version it has, and an event names the ref and why (never the key). Every {@link
 * HandOverListener} bean hears of each hand-over and refusal.
 *
 * <p>Active when Spring Boot's SSL auto-configuration and Rotor's certificate support are on the class path and at
 * least one bundle is configured. A missing ref, a text that is not a ref or an unknown protocol stops the start-up
 * with a {@link SecretConfigurationException} naming the property; so does a first version that is refused.
 */
@AutoConfiguration(after = RotorAutoConfiguration.class)
@ConditionalOnClass({SslBundleRegistry.class, SslBundleRegistrar.class, CertificateBundle.class})
@ConditionalOnBooleanProperty(prefix = "rotor", name = "enabled", matchIfMissing = true)
@Conditional(OnRotorSslBundles.class)
public class RotorSslBundleAutoConfiguration {

    /**
     * Static, as a customizer of the client must exist before the client; reads its properties from the environment.
     * Spring Boot's registry calls it when it is made, before the web server asks for {@code server.ssl.bundle}.
     */
    @Bean
    public static SslBundleBinder rotorSslBundleBinder(
            Environment environment, ObjectProvider<Secrets> secrets, ObjectProvider<HandOverListener> listeners) {
        RotorProperties.Ssl properties = Binder.get(environment)
                .bind("rotor.ssl", RotorProperties.Ssl.class)
                .orElseGet(RotorProperties.Ssl::new);
        return new SslBundleBinder(properties, secrets::getIfAvailable, () -> listeners
                .orderedStream()
                .toList());
    }
}
