package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.tls.CertificateBundle;
import dev.rotor.secrets.tls.RotatingSslContext;
import dev.rotor.secrets.tls.SwitchingSslContext;
import dev.rotor.secrets.tls.TrustBundle;
import java.security.KeyStore;
import java.time.Instant;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import org.springframework.boot.ssl.SslManagerBundle;

/**
 * The live side of a {@link RotorSslBundle}: the core's {@link SwitchingSslContext} (a key manager, a trust manager
 * and an {@link SSLContext} that follow every installed version), plus the key and trust manager factories Spring's
 * {@link SslManagerBundle} hands out, so that a client or server built from the bundle once (a {@code RestClient} made
 * through {@code RestClientSsl}, a Netty server given the bundle's manager factories) follows each renewal by itself,
 * without being rebuilt. A CA that a new trust version drops stays trusted for {@link
 * RotatingSslContext#DEFAULT_TRUST_OVERLAP}, as with {@link RotatingSslContext}.
 */
final class RotorSslBundleContext {
    private final SwitchingSslContext live;
    private final SslManagerBundle managers;

    /**
     * @param clock the client's clock (asked at each trust install, so it may be set up after the bundle)
     * @param rotatingTrust whether the bundle has a trust secret; without one, peers are checked against the Java
     *     runtime's default trust
     * @throws dev.rotor.secrets.SecretConfigurationException when the Java runtime has no such protocol
     */
    RotorSslBundleContext(String protocol, Supplier<TimeSource> clock, boolean rotatingTrust) {
        TimeSource time = new TimeSource() {
            @Override
            public Instant now() {
                return clock.get().now();
            }

            @Override
            public long nanoTime() {
                return clock.get().nanoTime();
            }
        };
        this.live = SwitchingSslContext.create(protocol, time, RotatingSslContext.DEFAULT_TRUST_OVERLAP, rotatingTrust);
        SSLContext context = live.sslContext();
        KeyManagerFactory kmf = new KeyManagerFactory(
                new FixedKeyManagers(new KeyManager[] {live.keyManager()}),
                context.getProvider(),
                KeyManagerFactory.getDefaultAlgorithm()) {};
        TrustManagerFactory tmf = new TrustManagerFactory(
                new FixedTrustManagers(new TrustManager[] {live.trustManager()}),
                context.getProvider(),
                TrustManagerFactory.getDefaultAlgorithm()) {};
        this.managers = SslManagerBundle.of(kmf, tmf);
    }

    /** Puts a version in service for every handshake that starts from now on ({@code trust} null: keep the CAs). */
    void install(CertificateBundle key, TrustBundle trust) {
        live.install(key, trust);
    }

    /** The context to hand out: it follows every version by itself and cannot be initialised again. */
    SSLContext context() {
        return live.sslContext();
    }

    /** Key and trust manager factories whose managers follow every version. */
    SslManagerBundle managers() {
        return managers;
    }

    @Override
    public String toString() {
        return "RotorSslBundleContext{" + live + "}";
    }

    /** The factory of the live key manager: {@code init} changes nothing, the bundle's secrets set the material. */
    private static final class FixedKeyManagers extends KeyManagerFactorySpi {
        private final KeyManager[] managers;

        FixedKeyManagers(KeyManager[] managers) {
            this.managers = managers;
        }

        @Override
        protected void engineInit(KeyStore ks, char[] password) {}

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {}

        @Override
        protected KeyManager[] engineGetKeyManagers() {
            return managers.clone();
        }
    }

    /** The factory of the live trust manager: {@code init} changes nothing, the bundle's secrets set the CAs. */
    private static final class FixedTrustManagers extends TrustManagerFactorySpi {
        private final TrustManager[] managers;

        FixedTrustManagers(TrustManager[] managers) {
            this.managers = managers;
        }

        @Override
        protected void engineInit(KeyStore ks) {}

        @Override
        protected void engineInit(ManagerFactoryParameters spec) {}

        @Override
        protected TrustManager[] engineGetTrustManagers() {
            return managers.clone();
        }
    }
}
