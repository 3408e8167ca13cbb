package dev.rotor.secrets.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SourceContext;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A source started in a {@link ManualSourceContext} lives on the test's clock and scheduler, and is overheard. */
class ManualSourceContextTest {

    @Test
    void start_handsTheSourceTheTestsClockSchedulerAndPolicy_andRecordsWhatItPublishes() {
        ManualScheduler scheduler = new ManualScheduler();
        RefreshPolicy policy =
                RefreshPolicy.builder().pollInterval(Duration.ofSeconds(7)).build();
        AtomicReference<SourceContext> seen = new AtomicReference<>();
        SecretSource source = new SecretSource() {
            @Override
            public String scheme() {
                return "mem";
            }

            @Override
            public Secret fetch(FetchRequest request) {
                throw new UnsupportedOperationException("not called");
            }

            @Override
            public void start(SourceContext context) {
                seen.set(context);
            }
        };

        assertThat(ManualSourceContext.start(source, scheduler, policy)).isSameAs(source);

        ManualSourceContext context = (ManualSourceContext) seen.get();
        assertThat(context.timeSource()).isSameAs(scheduler.clock());
        assertThat(context.scheduler()).isSameAs(scheduler);
        assertThat(context.refreshPolicy()).isEqualTo(policy);
        SecretEvent event = SecretEvent.builder(
                        SecretEventType.AUTH_LOGIN, scheduler.clock().now())
                .source("mem")
                .build();
        context.publish(event);
        context.reissue(ref -> ref.scheme().equals("mem"));
        assertThat(context.published()).containsExactly(event);
        assertThat(context.reissued()).hasSize(1);
        assertThat(context.reissued().get(0).test(SecretRef.parse("mem:a"))).isTrue();
        StringBuilder ran = new StringBuilder();
        context.executor().execute(() -> ran.append("on the calling thread"));
        assertThat(ran).hasToString("on the calling thread");
    }

    @Test
    void fixedRandom_drawsItsValue_andRefusesOneOutsideTheUnitInterval() {
        assertThat(FixedRandom.of(0.25).nextDouble()).isEqualTo(0.25);
        assertThat(FixedRandom.of(0.25).nextDouble(0, 8)).isEqualTo(2.0);
        assertThatThrownBy(() -> FixedRandom.of(1.0)).isInstanceOf(IllegalArgumentException.class);
    }
}
