package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceCapability;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** close() never waits on a hanging store longer than its close timeout; revocations run in parallel. */
class CloseTest {

    /** Revocations and the source's own close hang until released, like a store that stopped answering. */
    private static final class HangingStore implements SecretSource {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch revoking = new CountDownLatch(5);
        final AtomicInteger ids = new AtomicInteger();
        final CountDownLatch closing = new CountDownLatch(1);

        @Override
        public String scheme() {
            return "hang";
        }

        @Override
        public Set<SourceCapability> capabilities() {
            return Set.of(SourceCapability.REVOKE);
        }

        @Override
        public Secret fetch(FetchRequest request) {
            return Secret.builder(request.ref())
                    .version("v" + ids.incrementAndGet())
                    .value("x")
                    .fetchedAt(Instant.now())
                    .lease(Lease.of("l-" + ids.get(), Duration.ofHours(1), true, Instant.now()))
                    .build();
        }

        @Override
        public void revoke(SecretRef ref, Lease lease) {
            revoking.countDown();
            hang();
        }

        @Override
        public void close() {
            closing.countDown();
            hang();
        }

        private void hang() {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void close_withAHangingStore_returnsAtItsCloseTimeout_havingStartedEveryRevocationAtOnce() throws Exception {
        HangingStore store = new HangingStore();
        Secrets secrets = Secrets.builder()
                .source(store)
                .discoverSources(false)
                .auditLog(false)
                .revokeOnClose(true)
                .closeTimeout(Duration.ofMillis(300))
                .build();
        for (int i = 0; i < 5; i++) {
            secrets.get("hang:db-" + i);
        }
        try {
            // without the deadline this close would wait for every revocation in turn: five minutes
            CompletableFuture.runAsync(secrets::close).get(20, TimeUnit.SECONDS);
            assertThat(store.revoking.getCount()).as("revocations not started").isZero();
            // the source's own close was started too, though its wait was cut short by the deadline
            assertThat(store.closing.await(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            store.release.countDown();
        }
    }
}
