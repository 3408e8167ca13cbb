package dev.rotor.secrets.spring;

import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * A real servlet application on embedded Tomcat, bound to 127.0.0.1 on a port the OS picks ({@code server.port=0}),
 * whose client runs on a manual scheduler with every task on the calling thread: a refresh the test asks for is handed
 * over, Tomcat's reload included, before {@code refresh} returns. And a TLS client that reports the serial number of
 * the certificate a new handshake sees.
 */
final class SslServer {
    private SslServer() {}

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({
        RotorAutoConfiguration.class,
        RotorSslBundleAutoConfiguration.class,
        RotorHealthAutoConfiguration.class,
        SslAutoConfiguration.class,
        TomcatServletWebServerAutoConfiguration.class
    })
    static class App {}

    static ConfigurableApplicationContext start(
            ManualScheduler scheduler, InMemorySource source, SecretEventListener events, String... args) {
        return start(scheduler, source, events, null, args);
    }

    /** As the other, with the application's own client ({@code own}) instead of the starter's, when not null. */
    static ConfigurableApplicationContext start(
            ManualScheduler scheduler,
            InMemorySource source,
            SecretEventListener events,
            dev.rotor.secrets.Secrets own,
            String... args) {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.SERVLET);
        app.setBannerMode(Banner.Mode.OFF);
        app.addInitializers(context -> {
            context.getBeanFactory().registerSingleton("inMemorySource", source);
            context.getBeanFactory().registerSingleton("events", events);
            if (own != null) {
                context.getBeanFactory().registerSingleton("mySecrets", own);
            }
            context.getBeanFactory()
                    .registerSingleton("manualTime", (RotorSecretsCustomizer) b -> b.scheduler(scheduler)
                            .executor(ManualScheduler.directExecutor())
                            .random(dev.rotor.secrets.test.FixedRandom.of(0.5)));
        });
        String[] all = new String[args.length + 4];
        all[0] = "--server.port=0";
        all[1] = "--server.address=127.0.0.1";
        all[2] = "--rotor.audit.enabled=false";
        all[3] = "--spring.main.register-shutdown-hook=false";
        System.arraycopy(args, 0, all, 4, args.length);
        return app.run(all);
    }

    static int port(ConfigurableApplicationContext context) {
        return ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    /** A new connection and a full handshake: the serial of the certificate the server presents now. */
    static BigInteger serial(SSLContext client, int port) throws Exception {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
