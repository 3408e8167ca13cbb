package dev.rotor.secrets.test;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceContext;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A {@link SourceContext} on a {@link ManualScheduler}, for testing a {@link SecretSource} on its own, without a
 * {@code Secrets} client: its clock and scheduler are the test's, calls run on the calling thread, the random draws
 * come from a fixed seed, and what the source publishes or asks to re-issue is recorded. Thread-safe.
 *
 * <pre>{@code
 * SecretSource source = ManualSourceContext.start(AwsSecretsManagerSource.builder().client(client).build(), scheduler);
 * Secret s = source.fetch(FetchRequest.of(SecretRef.parse("aws-sm:prod/db"), FetchReason.INITIAL));
 * }</pre>
 */
public final class ManualSourceContext implements SourceContext {
    private final ManualScheduler scheduler;
    private final RefreshPolicy policy;
    private final RandomGenerator random = new SplittableRandom(1);
    private final List<SecretEvent> published = new CopyOnWriteArrayList<>();
    private final List<Predicate<SecretRef>> reissued = new CopyOnWriteArrayList<>();

    public ManualSourceContext(ManualScheduler scheduler, RefreshPolicy policy) {
        this.scheduler = scheduler;
        this.policy = policy;
    }

    public ManualSourceContext(ManualScheduler scheduler) {
        this(scheduler, RefreshPolicy.defaults());
    }

    /** Starts {@code source} in a context on {@code scheduler} with the default policy, and answers it. */
    public static <S extends SecretSource> S start(S source, ManualScheduler scheduler) {
        return start(source, scheduler, RefreshPolicy.defaults());
    }

    /** Starts {@code source} in a context on {@code scheduler} with {@code policy}, and answers it. */
    public static <S extends SecretSource> S start(S source, ManualScheduler scheduler, RefreshPolicy policy) {
        source.start(new ManualSourceContext(scheduler, policy));
        return source;
    }

    @Override
    public TimeSource timeSource() {
        return scheduler.clock();
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public RefreshPolicy refreshPolicy() {
        return policy;
    }

    @Override
    public void publish(SecretEvent event) {
        published.add(event);
    }

    @Override
    public Executor executor() {
        return ManualScheduler.directExecutor();
    }

    @Override
    public RandomGenerator random() {
        return random;
    }

    @Override
    public void reissue(Predicate<SecretRef> which) {
        reissued.add(which);
    }

    /** The events the source published, in order. */
    public List<SecretEvent> published() {
        return List.copyOf(published);
    }

    /** The re-issues the source asked for, in order. */
    public List<Predicate<SecretRef>> reissued() {
        return List.copyOf(reissued);
    }
}
