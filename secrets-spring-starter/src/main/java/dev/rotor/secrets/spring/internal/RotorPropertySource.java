package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.SecretRef;
import java.util.List;
import java.util.Map;
import org.springframework.core.env.EnumerablePropertySource;

/**
 * The properties of one imported secret. Its content is replaced in place, all at once, when the secret rotates: a
 * reader sees either every old value or every new one. {@link #toString()} names the ref, never a value.
 * Thread-safe.
 *
 * <pre>{@code
 * environment.getProperty("db.password");   // read through the Environment; always the version in service
 * }</pre>
 */
public final class RotorPropertySource extends EnumerablePropertySource<SecretRef> {
    private volatile Map<String, String> values;

    RotorPropertySource(String name, SecretRef ref, Map<String, String> values) {
        super(name, ref);
        this.values = Map.copyOf(values);
    }

    void replace(Map<String, String> newValues) {
        this.values = Map.copyOf(newValues);
    }

    @Override
    public String[] getPropertyNames() {
        return values.keySet().stream().sorted().toArray(String[]::new);
    }

    @Override
    public Object getProperty(String name) {
        return values.get(name);
    }

    @Override
    public boolean containsProperty(String name) {
        return values.containsKey(name);
    }

    List<String> names() {
        return List.of(getPropertyNames());
    }

    @Override
    public String toString() {
        return "RotorPropertySource{name=" + getName() + ", properties=" + values.size() + "}";
    }
}
