package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.HandOverListener;
import dev.rotor.secrets.spring.RotorProperties;
import dev.rotor.secrets.spring.RotorSecretsCustomizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundleRegistry;

/**
 * Registers the SSL bundles {@code rotor.ssl.bundle.<name>.*} describes in Spring Boot's {@link SslBundleRegistry}
 * (as an {@link SslBundleRegistrar}, so they exist before the embedded web server asks for {@code server.ssl.bundle})
 * and keeps each on the current versions of its secrets ({@link RotorSslBundle}).
 *
 * <p>As a customizer of the client it registers each bundle's checks as the engine's validators for its refs, so that
 * a version that fails them is vetoed and the version in service stays (with a {@code REJECTED} event naming the ref
 * and why). A client the starter did not build (the application's own {@link Secrets} bean, or the one {@code
 * spring.config.import} built) cannot take them: the bundles then check each version on delivery and keep the one
 * they have, with a refused {@code HANDED_OVER} event.
 *
 * <p>Every {@link HandOverListener} bean hears of each hand-over and refusal. The bundles stop following their
 * secrets when the context closes.
 */
public final class SslBundleBinder implements SslBundleRegistrar, RotorSecretsCustomizer, DisposableBean {
    private static final Logger LOG = LoggerFactory.getLogger(SslBundleBinder.class);
    private static final String P = "rotor.ssl.bundle.";

    private final List<RotorSslBundle> bundles = new ArrayList<>();
    private final Supplier<Secrets> secrets;
    private final Supplier<List<HandOverListener>> listeners;
    private volatile Secrets client;
    private volatile boolean validatorsRegistered;

    /**
     * @throws SecretConfigurationException naming the property when a setting is missing or wrong
     */
    public SslBundleBinder(
            RotorProperties.Ssl properties, Supplier<Secrets> secrets, Supplier<List<HandOverListener>> listeners) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        this.listeners = Objects.requireNonNull(listeners, "listeners");
        for (Map.Entry<String, RotorProperties.SslBundle> e :
                properties.getBundle().entrySet()) {
            String name = e.getKey();
            RotorProperties.SslBundle b = e.getValue();
            if (name == null || name.isBlank()) {
                throw new SecretConfigurationException(P + "<name> needs a name", null, null);
            }
            SecretRef ref = parse(name, "ref", b.getRef(), true);
            SecretRef trust = parse(name, "trust-ref", b.getTrustRef(), false);
            SecretRef password = parse(name, "key-password-ref", b.getKeyPasswordRef(), false);
            String protocol = b.getProtocol() == null ? "TLS" : b.getProtocol().strip();
            try {
                SSLContext.getInstance(protocol);
            } catch (java.security.NoSuchAlgorithmException ex) {
                throw new SecretConfigurationException(
                        P + name + ".protocol '" + protocol + "' is not supported by this Java runtime", ref, null);
            }
            bundles.add(new RotorSslBundle(
                    name,
                    ref.withoutField(),
                    trust == null ? null : trust.withoutField(),
                    password,
                    protocol,
                    this::client,
                    this::clock));
        }
    }

    private static SecretRef parse(String name, String property, String text, boolean required) {
        if (text == null || text.isBlank()) {
            if (required) {
                throw new SecretConfigurationException(P + name + "." + property + " must be set", null, null);
            }
            return null;
        }
        try {
            return SecretRef.parse(text.strip());
        } catch (RuntimeException e) {
            // the text is not echoed: a value pasted where a ref belongs may be a key or a password
            throw new SecretConfigurationException(
                    P + name + "." + property
                            + " is not a Rotor ref (scheme:path, for example file:/etc/tls?format=tls)",
                    null,
                    null);
        }
    }

    private Secrets client() {
        Secrets c = client;
        if (c == null) {
            c = secrets.get();
            if (c == null) {
                throw new SecretConfigurationException(
                        "rotor.ssl.bundle.* is set but the context has no Secrets client", null, null);
            }
            client = c;
        }
        return c;
    }

    /** The client's clock once the client exists; the system's before (a check run while the client is built). */
    private TimeSource clock() {
        Secrets c = client;
        return c == null ? LATE : c.timeSource();
    }

    private static final TimeSource LATE = new TimeSource() {
        @Override
        public Instant now() {
            return TimeSource.system().now();
        }

        @Override
        public long nanoTime() {
            return TimeSource.system().nanoTime();
        }
    };

    /** Registers each bundle's checks as the engine's validators for its refs. */
    @Override
    public void customize(Secrets.Builder builder) {
        for (RotorSslBundle b : bundles) {
            builder.validator(b.ref().toString(), ConsumerBinding.validator(b.keyConsumer()));
            b.trustRef().ifPresent(t -> builder.validator(t.toString(), ConsumerBinding.validator(b.trustConsumer())));
        }
        validatorsRegistered = true;
    }

    /**
     * Loads each bundle's secrets, checks them and registers the bundle.
     *
     * @throws SecretException when a secret cannot be loaded or its first version is refused
     */
    @Override
    public void registerBundles(SslBundleRegistry registry) {
        client(); // the context's client, resolved once the registry is made
        // set only when the starter built the client with this customizer: a client built elsewhere never saw them
        boolean engineChecks = validatorsRegistered;
        HandOverListener listener = handOverListener(listeners.get());
        for (RotorSslBundle b : bundles) {
            try {
                b.register(registry, !engineChecks, listener);
            } catch (SecretException e) {
                e.addSuppressed(
                        new FailedProperty(P + b.name() + ".ref", b.ref().toString()));
                throw e;
            }
        }
    }

    /** Tells every listener; one that throws is logged and the others still run. */
    private static HandOverListener handOverListener(List<HandOverListener> all) {
        List<HandOverListener> copy = List.copyOf(all);
        return h -> {
            for (HandOverListener l : copy) {
                try {
                    l.onHandOver(h);
                } catch (RuntimeException e) {
                    LOG.warn(
                            "hand-over listener {} threw {}; ignored",
                            l.getClass().getName(),
                            e.getClass().getName());
                }
            }
        };
    }

    /** The bundles, in the order the properties list them. */
    public List<RotorSslBundle> bundles() {
        return List.copyOf(bundles);
    }

    /** The bundle of that name. */
    public Optional<RotorSslBundle> bundle(String name) {
        return bundles.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    @Override
    public void destroy() {
        bundles.forEach(RotorSslBundle::close);
    }

    @Override
    public String toString() {
        return "SslBundleBinder{" + bundles.stream().map(RotorSslBundle::name).toList() + "}";
    }
}
