package dev.rotor.secrets.azure;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.test.azure.KeyVaultFake;
import java.time.OffsetDateTime;
import reactor.core.publisher.Mono;

/** The adapter pointed at the test kit's Key Vault fake, as an application points it at an emulator. */
final class FakeVaults {
    /** The vault name the tests' refs use; mapped to the fake's URL. */
    static final String VAULT = "rotor-test";

    private FakeVaults() {}

    /** A source builder for {@code fake}: its URL, its certificate trusted, a token it issued. */
    static AzureKeyVaultSource.Builder sourceFor(KeyVaultFake fake) {
        return AzureKeyVaultSource.builder()
                .vaultUrl(VAULT, fake.vaultUrl())
                .credential(credential(fake))
                .trustStore(fake.trustStore())
                .disableChallengeResourceVerification(true);
    }

    /** A credential that hands out one token the fake issued, valid for an hour. */
    static TokenCredential credential(KeyVaultFake fake) {
        return credential(fake.issueToken());
    }

    /** A credential that hands out {@code token}, valid for an hour. */
    static TokenCredential credential(String token) {
        return request -> Mono.just(new AccessToken(token, OffsetDateTime.now().plusHours(1)));
    }

    static SecretRef ref(String name) {
        return SecretRef.parse(AzureKeyVaultSource.SCHEME + ":" + VAULT + "/" + name);
    }
}
