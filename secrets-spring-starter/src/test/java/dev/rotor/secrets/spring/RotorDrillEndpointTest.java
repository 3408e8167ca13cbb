package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.Health;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretPolicyException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.vault.VaultFake;
import dev.rotor.secrets.vault.VaultAuth;
import dev.rotor.secrets.vault.VaultSource;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The drill operation of the rotor endpoint, the allow-list property, and start-up warnings in the health details. */
class RotorDrillEndpointTest {
    private final Fixture fx = new Fixture();

    private ApplicationContextRunner exposed() {
        return fx.runner()
                .withConfiguration(AutoConfigurations.of(RotorEndpointAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=rotor");
    }

    /** A consumer that takes every version. */
    private static final class Client implements SecretConsumer {
        volatile String version;

        @Override
        public String name() {
            return "orders-client";
        }

        @Override
        public String kind() {
            return "client";
        }

        @Override
        public void accept(SecretChange change) {
            version = change.current().version();
        }
    }

    @Test
    void drill_disabledByDefault_theEndpointHasNoWriteOperation() {
        exposed().run(context -> {
            assertThat(context).hasSingleBean(RotorEndpoint.class).doesNotHaveBean(RotorDrillEndpoint.class);
            Class<?> type = context.getBean(RotorEndpoint.class).getClass();
            assertThat(Arrays.stream(type.getMethods()).map(Method::getName)).doesNotContain("drill");
            assertThat(Arrays.stream(type.getMethods()).filter(m -> m.isAnnotationPresent(WriteOperation.class)))
                    .isEmpty();
        });
    }

    @Test
    void drill_enabled_reissuesAndReportsTheConsumer_withoutValues() {
        exposed()
                .withPropertyValues("rotor.endpoint.drill.enabled=true", "rotor.endpoint.drill.timeout=10s")
                .run(context -> {
                    assertThat(context).hasSingleBean(RotorEndpoint.class).hasSingleBean(RotorDrillEndpoint.class);
                    Secrets secrets = context.getBean(Secrets.class);
                    Client client = new Client();
                    ConsumerBinding.bind(secrets, client, "mem:db/creds");

                    Map<String, Object> out =
                            context.getBean(RotorDrillEndpoint.class).drill("drill", List.of("mem:db/creds"));

                    assertThat(out).containsEntry("succeeded", true);
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> results = (List<Map<String, Object>>) out.get("secrets");
                    assertThat(results).singleElement().satisfies(r -> assertThat(r)
                            .containsEntry("ref", "mem:db/creds")
                            .containsEntry("outcome", "SUCCEEDED")
                            .containsEntry("action", "reissue")
                            .containsEntry("version", client.version));
                    assertThat(out.toString())
                            .contains("orders-client")
                            .doesNotContain(Fixture.DYN_PASS)
                            .doesNotContain(Fixture.STATIC_VALUE);
                });
    }

    @Test
    void drill_ofARefTheClientDoesNotKnow_isRefused_withoutAStoreCall() {
        exposed().withPropertyValues("rotor.endpoint.drill.enabled=true").run(context -> {
            fx.source.resetCounts();
            Map<String, Object> out = context.getBean(RotorDrillEndpoint.class).drill("drill", List.of("mem:app/key"));
            assertThat(out).containsEntry("succeeded", false);
            assertThat(out.toString()).contains("not held or declared");
            assertThat(fx.source.count(Operation.FETCH)).isZero();
            assertThat(context.getBean(RotorDrillEndpoint.class).drill("drill", List.of()))
                    .containsKey("error");
            assertThat(context.getBean(RotorDrillEndpoint.class).drill("other", List.of("mem:app/key")))
                    .containsKey("error");
        });
    }

    @Test
    void drill_enabledButEndpointNotExposed_isNotPublished() {
        fx.runner()
                .withConfiguration(AutoConfigurations.of(RotorEndpointAutoConfiguration.class))
                .withPropertyValues("rotor.endpoint.drill.enabled=true")
                .run(context -> assertThat(context).doesNotHaveBean(RotorEndpoint.class));
    }

    @Test
    void allowedRefsProperty_refusesOtherRefs() {
        fx.runner().withPropertyValues("rotor.policy.allowed-refs=mem:app/*").run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            assertThat(secrets.get("mem:app/key").value()).isEqualTo(Fixture.STATIC_VALUE);
            assertThatThrownBy(() -> secrets.get("mem:db/creds"))
                    .isInstanceOf(SecretPolicyException.class)
                    .hasMessageContaining("ref=mem:db/creds");
        });
    }

    @Test
    void healthIndicator_showsTheStartUpCheckWarnings() {
        ManualScheduler scheduler = new ManualScheduler();
        try (VaultFake vault = VaultFake.builder().clock(scheduler.timeSource()).build()) {
            vault.kvPut("secret", "app/db", Map.of("password", "PLANTED-kv-pass-91"));
            VaultSource source = VaultSource.builder()
                    .address(vault.address())
                    .auth(VaultAuth.token(vault.rootToken()))
                    .sessionExecutor(ManualScheduler.directExecutor())
                    .build();
            try (Secrets secrets = Secrets.builder()
                    .source(source)
                    .discoverSources(false)
                    .scheduler(scheduler)
                    .executor(ManualScheduler.directExecutor())
                    .auditLog(false)
                    .declare(SecretDeclaration.of("vault:secret/app/db"))
                    .build()) {
                org.springframework.boot.health.contributor.Health health = new RotorHealthIndicator(secrets).health();
                assertThat(health.getDetails()).containsKey("warnings");
                assertThat(health.getDetails().get("warnings").toString()).contains("root policy");
                assertThat(health.toString()).doesNotContain(vault.rootToken()).doesNotContain("PLANTED-kv-pass-91");
                assertThat(secrets.health().status()).isEqualTo(Health.Status.UP);
            }
        }
    }
}
