package dev.rotor.secrets.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.SecretException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.env.EnvSecretSource;
import dev.rotor.secrets.file.FileSecretSource;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A caller that passes request input into refs (a tenant id, say) makes as many distinct refs as it likes: every
 * per-secret structure, in the engine and in the sources, stays bounded by the client's cache.
 */
class BoundedStateTest {
    private static final int DISTINCT = 20_000;

    @TempDir
    Path tmp;

    private static Engine engineOf(Secrets secrets) throws ReflectiveOperationException {
        Field f = Secrets.class.getDeclaredField("engine");
        f.setAccessible(true);
        return (Engine) f.get(secrets);
    }

    @Test
    void twentyThousandDistinctRefs_leaveEveryMapBoundedByTheCache() throws Exception {
        for (int i = 0; i < 200; i++) {
            Files.writeString(tmp.resolve("tenant-" + i), "v" + i, StandardCharsets.UTF_8);
        }
        FileSecretSource files = FileSecretSource.builder().watch(false).build();
        Map<String, String> vars = new ConcurrentHashMap<>();
        for (int i = 0; i < 200; i++) {
            vars.put("TENANT_" + i, "v" + i);
        }
        EnvSecretSource env = new EnvSecretSource(vars);
        try (Secrets secrets = Secrets.builder()
                .source(files)
                .source(env)
                .discoverSources(false)
                .auditLog(false)
                .maximumEntries(100)
                .build()) {
            for (int i = 0; i < DISTINCT; i++) {
                int n = i % 400; // half of them exist, half do not
                String file = "file:" + tmp.resolve("tenant-" + n) + (i % 3 == 0 ? "#x" : "");
                String var = "env:TENANT_" + n;
                for (String ref : List.of(file, var)) {
                    try {
                        if (i % 3 == 0) {
                            secrets.value(ref);
                        } else {
                            secrets.get(ref + (i % 7 == 0 ? "" : "?").replace("?", ""));
                        }
                    } catch (SecretException expected) {
                        // not found, or no field x: the bound must hold for failures too
                    }
                }
                // and distinct spellings nobody will ever read again
                try {
                    secrets.get("file:" + tmp.resolve("no-such-tenant-" + i));
                } catch (SecretException expected) {
                    // not found
                }
            }
            Map<String, Integer> sizes = engineOf(secrets).stateSizes();
            assertThat(sizes.get("entries")).isLessThanOrEqualTo(100);
            assertThat(sizes.get("aliases")).isLessThanOrEqualTo(200);
            assertThat(sizes.get("parsedRefs")).isLessThanOrEqualTo(200);
            assertThat(files.trackedSecrets()).isLessThanOrEqualTo(100);
            assertThat(env.trackedSecrets()).isLessThanOrEqualTo(100);
        }
    }
}
