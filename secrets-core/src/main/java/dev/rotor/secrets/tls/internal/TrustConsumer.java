package dev.rotor.secrets.tls.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.SecretConsumer;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The trusted CAs of a rotating {@code SSLContext} as a {@link SecretConsumer}: validation parses the candidate bundle
 * and refuses one without any CA valid now; a hand-over gives it to the {@link RotatingTrustManager} (which keeps the
 * CAs it dropped for the overlap) and renews the context. Takes no hold. Thread-safe.
 */
public final class TrustConsumer implements SecretConsumer {
    private final String name;
    private final RotatingTrustManager trustManager;
    private final TimeSource clock;
    private final Runnable renew;
    private final AtomicReference<String> installed = new AtomicReference<>();

    public TrustConsumer(String name, RotatingTrustManager trustManager, TimeSource clock, Runnable renew) {
        this.name = Objects.requireNonNull(name, "name");
        this.trustManager = Objects.requireNonNull(trustManager, "trustManager");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.renew = Objects.requireNonNull(renew, "renew");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "ssl-trust";
    }

    @Override
    public String displayName() {
        return "SSLContext " + name + " (trust)";
    }

    @Override
    public boolean inUse(Secret version) {
        return version.version().equals(installed.get());
    }

    @Override
    public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
        read(candidate);
    }

    @Override
    public void accept(SecretChange change) throws SecretRejectedException {
        install(change.current());
        renew.run();
    }

    /** Parses, checks and installs {@code secret} (also used for the first version, before the context exists). */
    public void install(Secret secret) throws SecretRejectedException {
        trustManager.update(read(secret));
        installed.set(secret.version());
    }

    private List<X509Certificate> read(Secret secret) throws SecretRejectedException {
        try {
            List<X509Certificate> cas = Trust.read(secret);
            Trust.checkUsable(cas, clock.now());
            return cas;
        } catch (Invalid e) {
            throw new SecretRejectedException(e.reason());
        }
    }

    @Override
    public String toString() {
        return "TrustConsumer{" + name + "}";
    }
}
