package dev.rotor.secrets.spring;

import org.springframework.boot.autoconfigure.http.client.HttpClientAutoConfiguration;
import org.springframework.boot.autoconfigure.web.client.RestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.web.client.RestClientSsl;
import org.springframework.context.ApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * The Boot 3.5 version of the Boot 4 starter's test helper of the same name: builds a {@link RestClient} from an SSL
 * bundle the way a Spring Boot 3 application does, the auto-configured {@code RestClient.Builder} with {@link
 * RestClientSsl#fromBundle(String)}. Boot 3 keeps these types in {@code spring-boot-autoconfigure} and names the
 * properties {@code spring.http.client.*}.
 */
final class RestClients {
    private RestClients() {}

    /** The auto-configurations behind {@code RestClient.Builder} and {@code RestClientSsl}. */
    static final Class<?>[] AUTO_CONFIGURATIONS = {HttpClientAutoConfiguration.class, RestClientAutoConfiguration.class
    };

    /** The properties that pick the client library ({@code jdk}, {@code http-components}, {@code jetty}) and timeouts. */
    static String[] properties(String factory) {
        return new String[] {
            "spring.http.client.factory=" + factory,
            "spring.http.client.connect-timeout=5s",
            "spring.http.client.read-timeout=10s"
        };
    }

    /** A client builder whose requests use the bundle {@code bundle}, made once. */
    static RestClient.Builder fromBundle(ApplicationContext context, String bundle) {
        return context.getBean(RestClient.Builder.class)
                .apply(context.getBean(RestClientSsl.class).fromBundle(bundle));
    }
}
