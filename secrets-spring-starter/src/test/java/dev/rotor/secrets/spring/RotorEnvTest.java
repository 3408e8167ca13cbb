package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.Secrets;
import org.junit.jupiter.api.Test;

/** env: refs are opt-in in a Spring application too: rotor.env.allow names what they may read. */
class RotorEnvTest {
    private final Fixture fx = new Fixture();

    @Test
    void envRef_withoutAllowList_isRefusedSayingHowToOptIn() {
        assumeTrue(System.getenv("PATH") != null, "PATH is set");
        fx.runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            assertThatThrownBy(() -> secrets.value("env:PATH"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("opt-in");
        });
    }

    @Test
    void envRef_onTheAllowList_isRead_andEveryOtherVariableRefused() {
        assumeTrue(System.getenv("PATH") != null && System.getenv("HOME") != null, "PATH and HOME are set");
        fx.runner().withPropertyValues("rotor.env.allow=HOME").run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            assertThat(secrets.value("env:HOME")).isEqualTo(System.getenv("HOME"));
            assertThatThrownBy(() -> secrets.value("env:PATH")).isInstanceOf(SecretAccessDeniedException.class);
        });
    }

    @Test
    void allowListEntryItCannotHonour_failsTheStartUpNamingTheProperty() {
        fx.runner()
                .withPropertyValues("rotor.env.allow=A*B")
                .run(context ->
                        assertThat(context).hasFailed().getFailure().hasStackTraceContaining("rotor.env.allow"));
    }
}
