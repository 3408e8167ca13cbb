package dev.rotor.secrets.tls.internal;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.consumer.SecretConsumer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The key material of a rotating {@code SSLContext} as a {@link SecretConsumer}: validation parses the candidate and
 * checks it (the key is the leaf's, the chain holds, every certificate is within its validity window on the client's
 * clock); a hand-over installs it in the {@link RotatingKeyManager} and renews the context, so that every handshake
 * that starts afterwards presents it. It takes no hold: a handshake made with the previous version keeps its session,
 * and nothing Rotor could revoke is still needed by it. Thread-safe.
 */
public final class KeyMaterialConsumer implements SecretConsumer {
    private final String name;
    private final RotatingKeyManager keyManager;
    private final Supplier<char[]> password;
    private final TimeSource clock;
    private final Runnable renew;

    public KeyMaterialConsumer(
            String name, RotatingKeyManager keyManager, Supplier<char[]> password, TimeSource clock, Runnable renew) {
        this.name = Objects.requireNonNull(name, "name");
        this.keyManager = Objects.requireNonNull(keyManager, "keyManager");
        this.password = Objects.requireNonNull(password, "password");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.renew = Objects.requireNonNull(renew, "renew");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "ssl-key-material";
    }

    @Override
    public String displayName() {
        return "SSLContext " + name + " (key material)";
    }

    /** Whether {@code version} is the one installed when the context was built. */
    @Override
    public boolean inUse(Secret version) {
        return keyManager.version().filter(version.version()::equals).isPresent();
    }

    @Override
    public void validate(Secret candidate, Optional<Secret> inUse) throws SecretRejectedException {
        read(candidate);
    }

    @Override
    public void accept(SecretChange change) throws SecretRejectedException {
        Secret current = change.current();
        keyManager.install(read(current), current.version());
        renew.run();
    }

    /** Parses and checks {@code secret}; a refusal's reason names the certificate, never the key or password. */
    public Material read(Secret secret) throws SecretRejectedException {
        char[] pw = password.get();
        try {
            return Material.read(secret, pw).checkValidAt(clock.now());
        } catch (Invalid e) {
            throw new SecretRejectedException(e.reason());
        } finally {
            if (pw != null) {
                Arrays.fill(pw, '\0');
            }
        }
    }

    @Override
    public String toString() {
        return "KeyMaterialConsumer{" + name + "}";
    }
}
