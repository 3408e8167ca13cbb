package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class RotorEndpointTest {
    private final Fixture fx = new Fixture();

    private ApplicationContextRunner runner() {
        return fx.runner().withConfiguration(AutoConfigurations.of(RotorEndpointAutoConfiguration.class));
    }

    private ApplicationContextRunner exposed() {
        return runner().withPropertyValues("management.endpoints.web.exposure.include=rotor");
    }

    @Test
    void endpoint_exposed_isPublished() {
        exposed().run(context -> assertThat(context).hasSingleBean(RotorEndpoint.class));
    }

    @Test
    void endpoint_notExposed_isNotPublished() {
        runner().run(context -> assertThat(context).doesNotHaveBean(RotorEndpoint.class));
    }

    @Test
    void endpoint_accessNone_isNotPublished() {
        exposed().withPropertyValues("management.endpoint.rotor.access=NONE").run(context -> assertThat(context)
                .doesNotHaveBean(RotorEndpoint.class));
    }

    @Test
    void endpoint_actuatorNotOnClassPath_isNotPublished() {
        exposed().withClassLoader(new FilteredClassLoader(Endpoint.class)).run(context -> assertThat(context)
                .doesNotHaveBean(RotorEndpoint.class));
    }

    @Test
    void endpoint_noClient_isNotPublished() {
        exposed().withPropertyValues("rotor.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(RotorEndpoint.class));
    }

    @Test
    void endpoint_userDefinesOne_backsOff() {
        exposed()
                .withBean(
                        "myEndpoint",
                        RotorEndpoint.class,
                        () -> new RotorEndpoint(Secrets.builder()
                                .source(fx.source)
                                .discoverSources(false)
                                .auditLog(false)
                                .build()))
                .run(context ->
                        assertThat(context).hasSingleBean(RotorEndpoint.class).hasBean("myEndpoint"));
    }

    @Test
    void inventory_loadedAndDeclaredSecrets_listsEachEntryWithoutValues() {
        exposed()
                .withPropertyValues(
                        "rotor.secrets[0].ref=mem:other",
                        "rotor.secrets[0].owner=platform",
                        "rotor.secrets[0].required=true",
                        "management.endpoint.rotor.show-details=always")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    secrets.get("mem:db/creds");
                    secrets.get("mem:app/key");
                    fx.source.failAlways(() -> new SourceUnavailableException("store down", null, "mem"));
                    fx.scheduler.advance(Duration.ofMinutes(45));

                    Map<String, Object> out =
                            context.getBean(RotorEndpoint.class).inventory(SecurityContext.NONE);

                    assertThat(out).containsEntry("health", "DEGRADED");
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> entries = (List<Map<String, Object>>) out.get("secrets");
                    assertThat(entries)
                            .extracting(e -> e.get("ref"))
                            .containsExactlyInAnyOrder("mem:db/creds", "mem:app/key", "mem:other");
                    Map<String, Object> creds = entries.stream()
                            .filter(e -> e.get("ref").equals("mem:db/creds"))
                            .findFirst()
                            .orElseThrow();
                    assertThat(creds)
                            .containsEntry("source", "mem")
                            .containsEntry("version", "1")
                            .containsEntry("state", "DEGRADED")
                            .containsKeys("fetchedAt", "expiresAt", "lastError", "lastErrorAt")
                            .containsEntry("required", false);
                    Map<String, Object> declared = entries.stream()
                            .filter(e -> e.get("ref").equals("mem:other"))
                            .findFirst()
                            .orElseThrow();
                    assertThat(declared)
                            .containsEntry("owner", "platform")
                            .containsEntry("required", true)
                            .containsEntry("state", "NOT_LOADED");
                    assertThat(out.toString())
                            .doesNotContain(Fixture.DYN_PASS)
                            .doesNotContain(Fixture.STATIC_VALUE)
                            .doesNotContain("user1");
                });
    }

    @Test
    void inventory_afterAThrottledEvent_entryIsNotAFailure_andSaysWhetherItWaitsForTheBudget() {
        exposed()
                .withPropertyValues("management.endpoint.rotor.show-details=always")
                .run(context -> {
                    Secrets secrets = context.getBean(Secrets.class);
                    secrets.get("mem:app/key");
                    secrets.publish(dev.rotor.secrets.SecretEvent.builder(
                                    dev.rotor.secrets.SecretEventType.THROTTLED,
                                    fx.scheduler.clock().now())
                            .ref(dev.rotor.secrets.SecretRef.parse("mem:app/key"))
                            .source("mem")
                            .duration(Duration.ofSeconds(30))
                            .failure(new dev.rotor.secrets.SourceThrottledException("throttled", null, "mem"))
                            .build());

                    Map<String, Object> out =
                            context.getBean(RotorEndpoint.class).inventory(SecurityContext.NONE);

                    assertThat(out).containsEntry("health", "UP");
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> entries = (List<Map<String, Object>>) out.get("secrets");
                    assertThat(entries).singleElement().satisfies(e -> assertThat(e)
                            .containsEntry("state", "ACTIVE")
                            .containsEntry("waitingForBudget", false)
                            .doesNotContainKey("lastError"));
                });
    }

    /** A caller signed in as {@code name} holding {@code roles}. */
    private static SecurityContext caller(String name, String... roles) {
        java.util.Set<String> held = java.util.Set.of(roles);
        return new SecurityContext() {
            @Override
            public java.security.Principal getPrincipal() {
                return () -> name;
            }

            @Override
            public boolean isUserInRole(String role) {
                return held.contains(role);
            }
        };
    }

    /** Reads the endpoint as {@code caller} after a first load and a failed refresh of the leased secret. */
    private Map<String, Object> credsAfterAFailure(
            org.springframework.context.ApplicationContext context, SecurityContext caller) {
        context.getBean(Secrets.class).get("mem:db/creds");
        fx.source.failAlways(() -> new SourceUnavailableException("store down at 10.0.0.7", null, "mem"));
        fx.scheduler.advance(Duration.ofMinutes(45));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries = (List<Map<String, Object>>)
                context.getBean(RotorEndpoint.class).inventory(caller).get("secrets");
        return entries.stream()
                .filter(e -> e.get("ref").equals("mem:db/creds"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void inventory_byDefaultToAnAnonymousCaller_listsRefsSourcesStatesAndTimesButNoVersionOrErrorText() {
        exposed().run(context -> {
            Map<String, Object> creds = credsAfterAFailure(context, SecurityContext.NONE);
            assertThat(creds)
                    .containsEntry("source", "mem")
                    .containsEntry("state", "DEGRADED")
                    .containsEntry("details", "hidden")
                    .containsKeys("fetchedAt", "expiresAt", "lastErrorAt")
                    .doesNotContainKeys("version", "lastError");
            assertThat(creds.toString()).doesNotContain("10.0.0.7");
        });
    }

    @Test
    void inventory_byDefaultToAnAuthenticatedCaller_showsVersionAndLastError() {
        exposed().run(context -> assertThat(credsAfterAFailure(context, caller("ops")))
                .containsEntry("version", "1")
                .containsKey("lastError")
                .doesNotContainKey("details"));
    }

    @Test
    void inventory_whenAuthorizedWithRoles_showsDetailsOnlyToACallerHoldingOne() {
        exposed()
                .withPropertyValues("management.endpoint.rotor.roles=secrets-admin")
                .run(context -> {
                    assertThat(credsAfterAFailure(context, caller("dev", "viewer")))
                            .doesNotContainKeys("version", "lastError");
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> entries = (List<Map<String, Object>>) context.getBean(RotorEndpoint.class)
                            .inventory(caller("ops", "secrets-admin"))
                            .get("secrets");
                    assertThat(entries).anySatisfy(e -> assertThat(e).containsKeys("version", "lastError"));
                });
    }

    @Test
    void inventory_showDetailsNever_hidesThemFromAnAuthenticatedCaller() {
        exposed()
                .withPropertyValues("management.endpoint.rotor.show-details=never")
                .run(context -> assertThat(credsAfterAFailure(context, caller("ops")))
                        .doesNotContainKeys("version", "lastError")
                        .containsEntry("details", "hidden"));
    }

    @Test
    void inventory_showDetailsAlways_showsThemToAnAnonymousCaller() {
        exposed()
                .withPropertyValues("management.endpoint.rotor.show-details=always")
                .run(context -> assertThat(credsAfterAFailure(context, SecurityContext.NONE))
                        .containsEntry("version", "1")
                        .containsKey("lastError"));
    }

    @Test
    void readOperation_asActuatorReadsIt_hasItsParameterNamesCompiledIn() throws Exception {
        // Actuator needs the operation's parameter names (compiled in) to map it at all
        var operation = new org.springframework.boot.actuate.endpoint.invoke.reflect.OperationMethod(
                RotorEndpoint.class.getMethod("inventory", SecurityContext.class),
                org.springframework.boot.actuate.endpoint.OperationType.READ);
        assertThat(operation.getParameters().get(0).getName()).isEqualTo("caller");
    }
}
