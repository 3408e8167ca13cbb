package dev.rotor.secrets.spring;

import dev.rotor.secrets.Secrets;

/**
 * Adjusts the {@link Secrets.Builder} after the starter has applied the {@code rotor.*} properties and the beans it
 * found, just before the client is built. Use it for what properties cannot say: a scheduler and executor of your
 * own, a circuit breaker configuration, a validator for one ref.
 *
 * <pre>{@code
 * @Bean
 * RotorSecretsCustomizer rotorValidation(DataSourceProbe probe) {
 *     return builder -> builder.validator("vault:database/creds/app", (candidate, current) -> probe.check(candidate));
 * }
 * }</pre>
 *
 * <p>As a bean, every customizer in the context is applied, in {@link org.springframework.core.Ordered} order. When
 * the client is created earlier, for {@code spring.config.import=rotor:...}, the context does not exist yet: register
 * one instance in the {@link org.springframework.boot.bootstrap.BootstrapRegistry} instead, for example with
 * {@code SpringApplication.addBootstrapRegistryInitializer(registry -> registry.register(RotorSecretsCustomizer.class,
 * InstanceSupplier.of(builder -> ...)))}.
 */
@FunctionalInterface
public interface RotorSecretsCustomizer {
    void customize(Secrets.Builder builder);
}
