package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rule 7: atomic swap, ordered at-most-once delivery, isolated listeners, validators that veto. */
class DeliveryTest {

    private static RefreshPolicy poll() {
        return RefreshPolicy.builder().pollInterval(Duration.ofMinutes(1)).build();
    }

    @Test
    void listener_seesEveryVersionOnce_inOrder_withThePreviousOne() {
        try (Fixture f = new Fixture()) {
            f.source.putFields("db", Map.of("user", "u1", "pass", "p1"));
            f.policy(poll());
            List<String> seen = new ArrayList<>();
            f.secrets.watch(
                    "mem:db",
                    c -> seen.add(c.previous().map(Secret::version).orElse("-") + "->"
                            + c.current().version() + ":"
                            + c.current().field("user").orElseThrow()
                            + c.current().field("pass").orElseThrow()));
            for (int i = 2; i <= 4; i++) {
                f.source.putFields("db", Map.of("user", "u" + i, "pass", "p" + i));
                f.advance(Duration.ofMinutes(1));
            }
            f.advance(Duration.ofMinutes(5)); // nothing new: nothing delivered
            assertThat(seen).containsExactly("-->1:u1p1", "1->2:u2p2", "2->3:u3p3", "3->4:u4p4");
        }
    }

    @Test
    void throwingListener_isIsolated_othersStillRun_andTheVersionStaysInService() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            List<String> second = new ArrayList<>();
            f.secrets.watch("mem:k", c -> {
                throw new IllegalStateException("listener bug");
            });
            f.secrets.watch("mem:k", c -> second.add(c.current().value()));
            f.source.put("k", "v2");
            f.advance(Duration.ofMinutes(1));
            assertThat(second).containsExactly("v1", "v2");
            assertThat(f.secrets.get("mem:k").value()).isEqualTo("v2");
        }
    }

    @Test
    void closedSubscription_receivesNothingMore() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll());
            List<String> seen = new ArrayList<>();
            Subscription sub =
                    f.secrets.watch("mem:k", c -> seen.add(c.current().value()));
            sub.close();
            f.source.put("k", "v2");
            f.advance(Duration.ofMinutes(1));
            assertThat(seen).containsExactly("v1");
        }
    }

    @Test
    void watchWithField_reportsTheFieldRef() {
        try (Fixture f = new Fixture()) {
            f.source.putFields("db", Map.of("user", "u1", "pass", "p1"));
            f.start();
            List<String> seen = new ArrayList<>();
            f.secrets.watch(
                    "mem:db#pass", c -> seen.add(c.ref() + "=" + c.current().value(c.ref())));
            assertThat(seen).containsExactly("mem:db#pass=p1");
            assertThat(f.secrets.value("mem:db#user")).isEqualTo("u1");
        }
    }

    @Test
    void validatorVeto_keepsTheCurrentVersion_andRetriesLater() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "good-1");
            List<String> seen = new ArrayList<>();
            f.start(f.builder().refreshPolicy(poll()).validator("mem:k", (candidate, current) -> {
                if (candidate.value().startsWith("bad")) {
                    throw new IllegalArgumentException("rejected");
                }
            }));
            f.secrets.watch("mem:k", c -> seen.add(c.current().value()));
            f.source.put("k", "bad-2");
            f.advance(Duration.ofMinutes(1));
            assertThat(f.secrets.get("mem:k").value()).isEqualTo("good-1");
            assertThat(f.events.types()).contains(SecretEventType.REJECTED);

            f.source.put("k", "good-3");
            f.advance(Duration.ofMinutes(2));
            assertThat(f.secrets.get("mem:k").value()).isEqualTo("good-3");
            assertThat(seen).containsExactly("good-1", "good-3");
        }
    }

    @Test
    void validator_seesTheCurrentVersionToCompare() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            List<String> pairs = new ArrayList<>();
            f.start(f.builder()
                    .refreshPolicy(poll())
                    .validator((candidate, current) ->
                            pairs.add(current.map(Secret::value).orElse("-") + "->" + candidate.value())));
            f.secrets.get("mem:k");
            f.source.put("k", "v2");
            f.advance(Duration.ofMinutes(1));
            assertThat(pairs).containsExactly("-->v1", "v1->v2");
        }
    }

    @Test
    void retiredVersion_isWipedAfterTheWipeDelay() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(poll().newBuilder().wipeDelay(Duration.ofSeconds(30)).build());
            Secret first = f.secrets.get("mem:k");
            f.source.put("k", "v2");
            f.advance(Duration.ofMinutes(1));
            assertThat(first.isWiped()).isFalse();
            assertThat(first.value()).isEqualTo("v1");
            f.advance(Duration.ofSeconds(30));
            assertThat(first.isWiped()).isTrue();
        }
    }
}
