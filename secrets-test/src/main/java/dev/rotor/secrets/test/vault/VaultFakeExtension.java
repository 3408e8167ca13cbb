package dev.rotor.secrets.test.vault;

import dev.rotor.secrets.TimeSource;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a {@link VaultFake} on a free port and stops it. Registered on a {@code static} field it serves the whole test
 * class; on an instance field, each test gets a fresh one.
 *
 * <pre>{@code
 * final ManualClock clock = new ManualClock();
 * @RegisterExtension
 * final VaultFakeExtension vault = VaultFakeExtension.withClock(() -> clock);
 *
 * @Test
 * void readsASecret() {
 *     vault.fake().kvPut("secret", "app/db", Map.of("password", "pw"));
 *     String address = vault.fake().address();
 * }
 * }</pre>
 *
 * Not meant for tests running in parallel on one instance.
 */
public final class VaultFakeExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Supplier<? extends TimeSource> clock;
    private VaultFake fake;
    private boolean perClass;

    private VaultFakeExtension(Supplier<? extends TimeSource> clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A fake on the system clock. */
    public static VaultFakeExtension create() {
        return new VaultFakeExtension(TimeSource::system);
    }

    /** A fake on the clock {@code clock} answers when the fake starts (a test's {@code ManualClock}, say). */
    public static VaultFakeExtension withClock(Supplier<? extends TimeSource> clock) {
        return new VaultFakeExtension(clock);
    }

    /** The running fake. */
    public VaultFake fake() {
        if (fake == null) {
            throw new IllegalStateException("the VaultFake runs only while a test of its class runs");
        }
        return fake;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        fake = VaultFake.builder().clock(clock.get()).build();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!perClass) {
            fake = VaultFake.builder().clock(clock.get()).build();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (perClass) {
            stop();
        }
    }

    private void stop() {
        VaultFake f = fake;
        fake = null;
        if (f != null) {
            f.close();
        }
    }

    @Override
    public String toString() {
        return "VaultFakeExtension{" + (fake == null ? "stopped" : fake.address()) + "}";
    }
}
