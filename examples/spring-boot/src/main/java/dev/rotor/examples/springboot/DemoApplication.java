package dev.rotor.examples.springboot;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The application: {@code GET /accounts/count} reads the database through a HikariCP pool whose credentials come from
 * {@code rotor.datasource.ref} (a file secret the {@link CredentialRotator} rewrites every few seconds), and Actuator
 * shows {@code /actuator/health} and {@code /actuator/rotor}. With the profile {@code tls} it serves HTTPS from the
 * SSL bundle {@code web}, which the starter keeps on the current certificate of a mounted directory ({@code
 * application-tls.properties}). See {@code application.properties} and the README.
 *
 * <pre>{@code
 * java -cp ... dev.rotor.examples.springboot.DemoApplication --demo.rotate-every=5s
 * }</pre>
 */
@SpringBootApplication
@EnableConfigurationProperties(DemoProperties.class)
public class DemoApplication {
    /** The pool's name: what its hand-overs and the health's {@code pools} detail call it. */
    static final String POOL = "accounts";

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }

    /**
     * The application's pool, on the demo database. No user name or password here: the Rotor starter sets them from
     * the secret before the first connection, and keeps them current afterwards. {@code spring.datasource.hikari.*}
     * still configures the rest.
     */
    @Bean(destroyMethod = "close")
    @ConfigurationProperties("spring.datasource.hikari")
    HikariDataSource dataSource(DemoDatabase database, CredentialRotator rotator) {
        HikariDataSource pool = new HikariDataSource();
        pool.setJdbcUrl(database.url());
        pool.setPoolName(POOL);
        return pool;
    }
}
