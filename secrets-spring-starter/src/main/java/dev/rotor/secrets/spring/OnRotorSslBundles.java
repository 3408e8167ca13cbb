package dev.rotor.secrets.spring;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when at least one {@code rotor.ssl.bundle.<name>.*} property is set. */
final class OnRotorSslBundles implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        return Binder.get(context.getEnvironment())
                .bind("rotor.ssl.bundle", Bindable.mapOf(String.class, RotorProperties.SslBundle.class))
                .map(m -> !m.isEmpty())
                .orElse(false);
    }
}
