package dev.rotor.secrets.vault;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import dev.rotor.secrets.test.vault.TokenSpec;
import dev.rotor.secrets.test.vault.VaultFake;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The test kit's {@link VaultFake} on the same manual clock as a client with direct executors around a {@link
 * VaultSource}: what Vault would do, driven by the test's clock.
 */
final class FakeVaultHarness implements AutoCloseable {
    final ManualScheduler scheduler = new ManualScheduler();
    final VaultFake vault = VaultFake.builder().clock(scheduler.timeSource()).build();
    final RecordingListener events = new RecordingListener();
    VaultSource source;
    Secrets secrets;

    /** An AppRole role {@code app} with {@code spec}, and its credentials. */
    VaultAuth appRole(TokenSpec spec) {
        VaultFake.AppRole role = vault.appRole("app", spec);
        return VaultAuth.appRole(role.roleId(), role.newSecretId());
    }

    VaultSource.Builder sourceBuilder(VaultAuth auth) {
        return VaultSource.builder()
                .address(vault.address())
                .auth(auth)
                .readTimeout(Duration.ofSeconds(2))
                .sessionExecutor(ManualScheduler.directExecutor());
    }

    FakeVaultHarness start(VaultAuth auth) {
        return start(sourceBuilder(auth), b -> b);
    }

    FakeVaultHarness start(VaultSource.Builder sb, UnaryOperator<Secrets.Builder> more) {
        source = sb.build();
        Secrets.Builder b = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(VaultHarness.fixed(0.5))
                .refreshPolicy(VaultHarness.POLICY)
                .eventListener(events);
        secrets = more.apply(b).build();
        return this;
    }

    void advance(Duration d) {
        scheduler.advance(d);
    }

    @Override
    public void close() {
        try {
            if (secrets != null) {
                secrets.close();
            }
        } finally {
            vault.close();
        }
    }
}
