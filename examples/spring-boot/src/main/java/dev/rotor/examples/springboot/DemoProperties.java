package dev.rotor.examples.springboot;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The demo's own settings ({@code demo.*}): where the mounted secret lives and how often the rotator changes it.
 *
 * <pre>{@code
 * demo.secret-dir=/var/run/demo/db
 * demo.rotate-every=3s
 * }</pre>
 */
@ConfigurationProperties("demo")
public class DemoProperties {
    /** The directory laid out like a mounted Kubernetes Secret; rotor.datasource.ref points at it. */
    private Path secretDir;

    /** How often the rotator changes the credentials; zero turns the rotator off. */
    private Duration rotateEvery = Duration.ofSeconds(4);

    /** How long the previous user keeps logging in after a rotation; unset means half of rotate-every. */
    private Duration grace;

    /** How many accounts the demo database holds. */
    private int accounts = 1000;

    /**
     * With the profile tls: the mounted certificate directory (tls.crt, tls.key, ca.crt, as cert-manager writes it)
     * that the SSL bundle web is read from.
     */
    private Path tlsDir;

    public Path getSecretDir() {
        return secretDir;
    }

    public void setSecretDir(Path secretDir) {
        this.secretDir = secretDir;
    }

    public Duration getRotateEvery() {
        return rotateEvery;
    }

    public void setRotateEvery(Duration rotateEvery) {
        this.rotateEvery = rotateEvery;
    }

    public Duration getGrace() {
        return grace == null ? rotateEvery.dividedBy(2) : grace;
    }

    public void setGrace(Duration grace) {
        this.grace = grace;
    }

    public Path getTlsDir() {
        return tlsDir;
    }

    public void setTlsDir(Path tlsDir) {
        this.tlsDir = tlsDir;
    }

    public int getAccounts() {
        return accounts;
    }

    public void setAccounts(int accounts) {
        this.accounts = accounts;
    }
}
