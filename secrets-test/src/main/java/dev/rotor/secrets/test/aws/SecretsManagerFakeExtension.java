package dev.rotor.secrets.test.aws;

import java.util.Objects;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a {@link SecretsManagerFake} on a free port before each test and stops it after (registered on a static
 * field: once for the class). The test reaches it through {@link #fake()} or a {@code SecretsManagerFake} parameter.
 *
 * <pre>{@code
 * class MyTest {
 *     final ManualScheduler scheduler = new ManualScheduler();
 *
 *     @RegisterExtension
 *     final SecretsManagerFakeExtension aws = new SecretsManagerFakeExtension(b -> b.scheduler(scheduler));
 *
 *     @Test
 *     void readsTheSecret() {
 *         aws.fake().createSecret("prod/db", "{\"password\":\"p1\"}");
 *         // ... a client with endpointOverride(aws.fake().endpoint())
 *     }
 * }
 * }</pre>
 *
 * Needs {@code junit-jupiter-api} on the test class path (the test kit declares it optional).
 */
public final class SecretsManagerFakeExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private final UnaryOperator<SecretsManagerFake.Builder> configure;
    private volatile SecretsManagerFake fake;
    private volatile boolean perClass;

    /** A fake with every default (system clock). */
    public SecretsManagerFakeExtension() {
        this(UnaryOperator.identity());
    }

    /** A fake configured by {@code configure}, e.g. {@code b -> b.scheduler(manualScheduler)}. */
    public SecretsManagerFakeExtension(UnaryOperator<SecretsManagerFake.Builder> configure) {
        this.configure = Objects.requireNonNull(configure, "configure");
    }

    /** The running fake. */
    public SecretsManagerFake fake() {
        SecretsManagerFake f = fake;
        if (f == null) {
            throw new IllegalStateException("the Secrets Manager fake runs only while a test runs");
        }
        return f;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        fake = configure.apply(SecretsManagerFake.builder()).start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (fake == null) {
            fake = configure.apply(SecretsManagerFake.builder()).start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    private void stop() {
        SecretsManagerFake f = fake;
        fake = null;
        if (f != null) {
            f.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SecretsManagerFake.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return fake();
    }
}
