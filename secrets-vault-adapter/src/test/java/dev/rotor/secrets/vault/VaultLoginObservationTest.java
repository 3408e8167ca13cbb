package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.FlightObserver;
import dev.rotor.secrets.test.RecordingObserver;
import dev.rotor.secrets.test.vault.TokenSpec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The token session's logins and token renewals reach the client's flight observer as LOGIN flights under the
 * source's name, on the test kit's Vault fake and a manual clock.
 */
class VaultLoginObservationTest {
    private static final String DB = "vault:secret/app/db";
    private final FakeVaultHarness h = new FakeVaultHarness();
    private final RecordingObserver flights = new RecordingObserver();

    @BeforeEach
    void seed() {
        h.vault.policy("app", "secret/*", "read");
        h.vault.kvPut("secret", "app/db", Map.of("password", "pw"));
    }

    @AfterEach
    void close() {
        h.close();
    }

    private void start() {
        VaultAuth auth = h.appRole(TokenSpec.policies("app").ttl(Duration.ofSeconds(3000)));
        h.start(h.sourceBuilder(auth).name("vault-main"), b -> b.observer(flights));
    }

    @Test
    void loginAndTokenRenewal_areLoginFlights_theDataReadARefreshFlight() {
        start();

        h.secrets.get(DB);
        // the read starts first; the login it needs runs inside it
        assertThat(flights.lines())
                .containsExactly(
                        "REFRESH vault:secret/app/db vault-main SUCCESS",
                        "LOGIN vault-token:session vault-main SUCCESS");

        flights.clear();
        h.advance(Duration.ofSeconds(2001));
        assertThat(h.vault.count("POST", "auth/token/renew-self")).isEqualTo(1);
        assertThat(flights.lines(FlightObserver.Kind.LOGIN))
                .containsExactly("LOGIN vault-token:session vault-main SUCCESS");
    }

    @Test
    void tokenRenewalAgainstASealedVault_isAFailedLoginFlight() {
        start();
        h.secrets.get(DB);
        flights.clear();
        h.vault.seal();

        h.advance(Duration.ofSeconds(2001));

        assertThat(flights.lines(FlightObserver.Kind.LOGIN))
                .first()
                .isEqualTo("LOGIN vault-token:session vault-main FAILURE SourceUnavailableException");
        assertThat(flights.flights()).allSatisfy(f -> assertThat(f.stops()).isEqualTo(1));
    }
}
