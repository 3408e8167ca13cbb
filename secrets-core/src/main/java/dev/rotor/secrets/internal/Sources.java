package dev.rotor.secrets.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Finds the source for a scheme: sources registered explicitly win; {@link ServiceLoader} providers fill in the rest,
 * consulted in class-name order and created on first use. Two explicit sources, or two providers, for one scheme are
 * a configuration error.
 */
final class Sources {
    private final Map<String, SecretSource> explicit = new LinkedHashMap<>();
    private final Map<String, SecretSourceProvider> discovered = new LinkedHashMap<>();
    private final Map<String, SecretSource> created = new LinkedHashMap<>();

    Sources(List<SecretSource> registered, boolean discover, ClassLoader loader) {
        for (SecretSource s : registered) {
            SecretSource previous = explicit.putIfAbsent(s.scheme(), s);
            if (previous != null) {
                throw new SecretConfigurationException(
                        "two sources registered for scheme '" + s.scheme() + "': "
                                + previous.getClass().getName() + " and "
                                + s.getClass().getName(),
                        null,
                        s.name());
            }
        }
        if (discover) {
            List<SecretSourceProvider> providers = new ArrayList<>();
            ServiceLoader.load(SecretSourceProvider.class, loader).forEach(providers::add);
            providers.sort(Comparator.comparing(p -> p.getClass().getName()));
            Map<String, List<String>> conflicts = new LinkedHashMap<>();
            for (SecretSourceProvider p : providers) {
                if (explicit.containsKey(p.scheme())) {
                    continue;
                }
                SecretSourceProvider previous = discovered.putIfAbsent(p.scheme(), p);
                if (previous != null) {
                    conflicts
                            .computeIfAbsent(
                                    p.scheme(),
                                    k -> new ArrayList<>(
                                            List.of(previous.getClass().getName())))
                            .add(p.getClass().getName());
                }
            }
            if (!conflicts.isEmpty()) {
                Map.Entry<String, List<String>> c =
                        conflicts.entrySet().iterator().next();
                throw new SecretConfigurationException(
                        "several providers claim scheme '" + c.getKey() + "': " + c.getValue()
                                + "; register the source you want on the builder",
                        null,
                        c.getKey());
            }
        }
    }

    synchronized SecretSource sourceFor(SecretRef ref) {
        String scheme = ref.scheme();
        SecretSource s = explicit.get(scheme);
        if (s != null) {
            return s;
        }
        s = created.get(scheme);
        if (s != null) {
            return s;
        }
        SecretSourceProvider p = discovered.get(scheme);
        if (p == null) {
            TreeSet<String> known = new TreeSet<>(explicit.keySet());
            known.addAll(discovered.keySet());
            throw new SecretConfigurationException(
                    "no source for scheme '" + scheme + "'; known schemes are " + known, ref, null);
        }
        s = p.create();
        created.put(scheme, s);
        return s;
    }

    synchronized List<SecretSource> all() {
        List<SecretSource> all = new ArrayList<>(explicit.values());
        all.addAll(created.values());
        return all;
    }
}
