package dev.rotor.secrets.test.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.ManualClock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

class VaultFakeExtensionTest {
    @Nested
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class PerTest {
        final ManualClock clock = new ManualClock();

        @RegisterExtension
        final VaultFakeExtension vault = VaultFakeExtension.withClock(() -> clock);

        @Test
        @Order(1)
        void eachTestGetsAFreshFake_onTheTestsClock() {
            vault.fake().kvPut("secret", "a", Map.of("k", "v"));
            String token = vault.fake().createToken(TokenSpec.policies().ttl(Duration.ofMinutes(1)));
            clock.advance(Duration.ofMinutes(1));

            assertThat(vault.fake().tokenValid(token)).isFalse();
        }

        @Test
        @Order(2)
        void theSecondTestSeesNothingOfTheFirst() {
            assertThat(vault.fake().kvCurrentVersion("secret", "a")).isZero();
        }
    }

    @Nested
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class PerClass {
        @RegisterExtension
        static final VaultFakeExtension VAULT = VaultFakeExtension.create();

        static final Set<Integer> PORTS = new HashSet<>();

        @Test
        @Order(1)
        void oneFakeServesTheClass() {
            VAULT.fake().kvPut("secret", "shared", Map.of("k", "v"));
            PORTS.add(VAULT.fake().port());
        }

        @Test
        @Order(2)
        void theSecondTestSeesTheFirstsState() {
            PORTS.add(VAULT.fake().port());
            assertThat(VAULT.fake().kvCurrentVersion("secret", "shared")).isEqualTo(1);
            assertThat(PORTS).hasSize(1);
        }
    }
}
