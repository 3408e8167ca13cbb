package dev.rotor.secrets.spring;

import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientSsl;
import org.springframework.context.ApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * Builds a {@link RestClient} from an SSL bundle the way a Spring Boot 4 application does: the auto-configured {@code
 * RestClient.Builder} with {@link RestClientSsl#fromBundle(String)}. The Boot 3.5 starter has its own version of this
 * class (Boot 3 keeps these types in {@code spring-boot-autoconfigure}, under other names).
 */
final class RestClients {
    private RestClients() {}

    /** The auto-configurations behind {@code RestClient.Builder} and {@code RestClientSsl}. */
    static final Class<?>[] AUTO_CONFIGURATIONS = {
        HttpClientAutoConfiguration.class,
        ImperativeHttpClientAutoConfiguration.class,
        RestClientAutoConfiguration.class
    };

    /** The properties that pick the client library ({@code jdk}, {@code http-components}, {@code jetty}) and timeouts. */
    static String[] properties(String factory) {
        return new String[] {
            "spring.http.clients.imperative.factory=" + factory,
            "spring.http.clients.connect-timeout=5s",
            "spring.http.clients.read-timeout=10s"
        };
    }

    /** A client builder whose requests use the bundle {@code bundle}, made once. */
    static RestClient.Builder fromBundle(ApplicationContext context, String bundle) {
        return context.getBean(RestClient.Builder.class)
                .apply(context.getBean(RestClientSsl.class).fromBundle(bundle));
    }
}
