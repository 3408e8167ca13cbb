package dev.rotor.secrets.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.test.aws.SecretsManagerFake;
import dev.rotor.secrets.test.aws.SecretsManagerFakeExtension;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The JUnit 5 extension registered on a static field: one fake for the whole class, stopped after it. */
class SecretsManagerFakeExtensionPerClassTest {
    @RegisterExtension
    static final SecretsManagerFakeExtension AWS = new SecretsManagerFakeExtension();

    private static final Set<SecretsManagerFake> SEEN = ConcurrentHashMap.newKeySet();

    @Test
    void firstTest_seesTheClassWideFake(SecretsManagerFake fake) {
        SEEN.add(fake);
        assertThat(fake).isSameAs(AWS.fake());
    }

    @Test
    void secondTest_seesTheSameFake(SecretsManagerFake fake) {
        SEEN.add(fake);
        assertThat(fake).isSameAs(AWS.fake());
    }

    @AfterAll
    static void oneFakeServedEveryTest() {
        assertThat(SEEN).hasSize(1);
    }
}
