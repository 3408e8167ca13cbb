package dev.rotor.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A version's values: the Strings it makes once, the bytes it wipes, and what it says about itself. */
class SecretTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final SecretRef DB = SecretRef.parse("vault:secret/app/db");

    private static Secret raw(String version, String value) {
        return Secret.builder(DB).version(version).value(value).fetchedAt(T0).build();
    }

    private static Secret fields(String version, Map<String, String> fields) {
        return Secret.builder(DB).version(version).fields(fields).fetchedAt(T0).build();
    }

    @Test
    void value_repeatedReadsOfOneVersion_returnTheSameString() {
        Secret s = raw("1", "s3cr3t-value");
        String first = s.value();
        assertThat(first).isEqualTo("s3cr3t-value");
        assertThat(s.value()).isSameAs(first);
        assertThat(s.value(DB)).isSameAs(first);
    }

    @Test
    void value_ofTheSingleField_returnsTheSameStringAsTheField() {
        Secret s = fields("1", Map.of("password", "pw-1"));
        String first = s.value();
        assertThat(first).isEqualTo("pw-1");
        assertThat(s.value()).isSameAs(first);
        assertThat(s.field("password")).containsSame(first);
        assertThat(s.value(DB.withField("password"))).isSameAs(first);
        assertThat(s.fields().get("password")).isSameAs(first);
    }

    @Test
    void valueOfAField_repeatedReads_returnTheSameStringPerField() {
        Secret s = fields("1", Map.of("username", "app", "password", "pw-1"));
        SecretRef user = DB.withField("username");
        SecretRef password = DB.withField("password");
        String u = s.value(user);
        String p = s.value(password);
        assertThat(u).isEqualTo("app");
        assertThat(p).isEqualTo("pw-1");
        assertThat(s.value(user)).isSameAs(u);
        assertThat(s.value(password)).isSameAs(p);
        assertThat(s.field("username")).containsSame(u);
    }

    @Test
    void value_differentVersionsOfTheSameValue_giveDifferentStrings() {
        Secret v1 = raw("1", "same-value");
        Secret v2 = raw("2", "same-value");
        assertThat(v1.value()).isEqualTo(v2.value()).isNotSameAs(v2.value());
        Secret f1 = fields("1", Map.of("password", "pw"));
        Secret f2 = fields("2", Map.of("password", "pw"));
        assertThat(f1.field("password").orElseThrow())
                .isEqualTo(f2.field("password").orElseThrow())
                .isNotSameAs(f2.field("password").orElseThrow());
    }

    @Test
    void bytes_isANewCopyOnEveryCall_andWritingToItChangesNothing() {
        Secret s = raw("1", "s3cr3t");
        byte[] a = s.bytes();
        byte[] b = s.bytes();
        assertThat(a).isNotSameAs(b).isEqualTo("s3cr3t".getBytes(StandardCharsets.UTF_8));
        java.util.Arrays.fill(a, (byte) 0);
        assertThat(s.bytes()).isEqualTo("s3cr3t".getBytes(StandardCharsets.UTF_8));
        assertThat(s.value()).isEqualTo("s3cr3t");
    }

    @Test
    void wipe_afterTheStringsWereMade_everyReadThrows() {
        Secret s = fields("1", Map.of("username", "app", "password", "pw-1"));
        Secret r = raw("1", "s3cr3t");
        s.value(DB.withField("password"));
        s.fields();
        r.value();
        s.wipe();
        r.wipe();
        assertThat(s.isWiped()).isTrue();
        assertThatThrownBy(r::value).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> r.value(DB)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(r::bytes).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.value(DB.withField("password"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.field("username")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(s::fields).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> s.as(Map.class)).isInstanceOf(IllegalStateException.class);
        // names are not secret and stay readable
        assertThat(s.fieldNames()).containsExactlyInAnyOrder("username", "password");
    }

    @Test
    void wipe_isIdempotent_andAWipedVersionNeverPrintsAValue() {
        Secret s = raw("7", "Xk29aPlanted");
        s.value();
        s.wipe();
        s.wipe();
        assertThat(s.toString()).doesNotContain("Xk29aPlanted").contains("wiped");
    }

    @Test
    void wipe_aRenewedVersion_wipesTheBytesAndFieldStringsBothShare() {
        Secret v = fields("1", Map.of("password", "pw-1"));
        String before = v.value();
        Secret renewed = v.withLease(Lease.of("lease-1", Duration.ofHours(1), true, T0.plusSeconds(60)));
        assertThat(renewed.value()).isSameAs(before);
        renewed.wipe();
        assertThatThrownBy(renewed::value).isInstanceOf(IllegalStateException.class);
        // the shared bytes are zeros now, and the first version no longer keeps the value's String either
        assertThat(v.bytes()).containsOnly((byte) 0);
        assertThat(v.value()).isNotEqualTo("pw-1");
    }

    @Test
    void value_concurrentFirstReads_allReturnOneEqualString() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 200; round++) {
                Secret s = round % 2 == 0
                        ? raw("v" + round, "value-" + round)
                        : fields("v" + round, Map.of("password", "value-" + round));
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> reads = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    reads.add(pool.submit(() -> {
                        start.await();
                        return s.value();
                    }));
                }
                start.countDown();
                String kept = s.value();
                assertThat(kept).isEqualTo("value-" + round);
                for (Future<String> f : reads) {
                    assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(kept);
                }
                assertThat(s.value()).isSameAs(kept);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void value_readsRacingAWipe_eitherAnswerTheValueOrThrow_andReadsAfterItThrow() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 200; round++) {
                Secret s = raw("v" + round, "value-" + round);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<String>> reads = new java.util.ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    reads.add(pool.submit(() -> {
                        start.await();
                        try {
                            return s.value();
                        } catch (IllegalStateException wiped) {
                            return "wiped";
                        }
                    }));
                }
                start.countDown();
                s.wipe();
                for (Future<String> f : reads) {
                    // a read that began before the wipe may answer the value; none answers anything else (no zeros)
                    assertThat(f.get(10, TimeUnit.SECONDS)).isIn("wiped", "value-" + round);
                }
                assertThatThrownBy(s::value).isInstanceOf(IllegalStateException.class);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void fields_keepTheSourcesOrder_andTheNamesAreAReadOnlySet() {
        Secret s = Secret.builder(DB)
                .version("1")
                .field("b", "2")
                .field("a", "1")
                .field("c", "3")
                .fetchedAt(T0)
                .build();
        assertThat(s.fieldNames()).containsExactly("b", "a", "c");
        assertThat(s.fieldNames()).isEqualTo(Set.of("a", "b", "c"));
        assertThat(s.fieldNames().contains("a")).isTrue();
        assertThat(s.fieldNames().contains("d")).isFalse();
        assertThatThrownBy(() -> s.fieldNames().add("d")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(s.fields()).containsExactly(Map.entry("b", "2"), Map.entry("a", "1"), Map.entry("c", "3"));
        assertThat(s.field("d")).isEmpty();
        assertThat(s.hasRawValue()).isFalse();
        assertThatThrownBy(s::value).isInstanceOf(SecretFormatException.class).hasMessageContaining("[b, a, c]");
        assertThatThrownBy(() -> s.value(DB.withField("d")))
                .isInstanceOf(SecretFormatException.class)
                .hasMessageContaining("no field 'd'");
    }

    @Test
    void aRawValue_hasNoFields() {
        Secret s = raw("1", "{\"user\":\"app\"}");
        assertThat(s.fieldNames()).isEmpty();
        assertThat(s.fields()).isEmpty();
        assertThat(s.hasRawValue()).isTrue();
        assertThat(s.as(Map.class)).containsEntry("user", "app");
    }

    @Test
    void newBuilder_copiesTheValues_soWipingTheCopyLeavesTheOriginal() {
        Secret s = fields("1", Map.of("password", "pw-1"));
        s.value();
        Secret copy = s.newBuilder().version("2").build();
        copy.wipe();
        assertThat(s.value()).isEqualTo("pw-1");
        assertThat(s.bytes()).isEqualTo("pw-1".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void leaseAndMetadata_areKeptTogetherAndApart() {
        Lease lease = Lease.of("lease-1", Duration.ofHours(1), true, T0);
        Secret leased = Secret.builder(DB)
                .version("1")
                .value("v")
                .fetchedAt(T0)
                .lease(lease)
                .build();
        assertThat(leased.lease()).contains(lease);
        assertThat(leased.stages()).isEmpty();
        assertThat(leased.attributes()).isEmpty();
        Secret both = leased.newBuilder()
                .stages(List.of("AWSCURRENT"))
                .nextRotation(T0.plusSeconds(3600))
                .attribute("arn", "arn:x")
                .build();
        assertThat(both.lease()).contains(lease);
        assertThat(both.stages()).containsExactly("AWSCURRENT");
        assertThat(both.nextRotation()).contains(T0.plusSeconds(3600));
        assertThat(both.attributes()).containsEntry("arn", "arn:x");
        Secret renewed = both.withLease(lease.renewed(Duration.ofHours(2), T0.plusSeconds(60)));
        assertThat(renewed.lease().orElseThrow().expiresAt()).isEqualTo(T0.plusSeconds(60 + 7200));
        assertThat(renewed.stages()).containsExactly("AWSCURRENT");
        Secret neither = raw("1", "v");
        assertThat(neither.lease()).isEmpty();
        assertThat(neither.nextRotation()).isEmpty();
        assertThat(neither.checkAgainAt()).isEmpty();
    }

    @Test
    void withNextRotation_keepsTheLeaseAndMetadata_andSharesTheValues() {
        Lease lease = Lease.of("lease-1", Duration.ofHours(1), true, T0);
        Secret held = Secret.builder(DB)
                .version("1")
                .value("v")
                .fetchedAt(T0)
                .lease(lease)
                .stages(List.of("AWSCURRENT"))
                .attribute("arn", "arn:x")
                .build();
        String value = held.value();

        Secret moved = held.withNextRotation(T0.plusSeconds(7200));

        assertThat(moved.nextRotation()).contains(T0.plusSeconds(7200));
        assertThat(moved.lease()).contains(lease);
        assertThat(moved.version()).isEqualTo("1");
        assertThat(moved.stages()).containsExactly("AWSCURRENT");
        assertThat(moved.attributes()).containsEntry("arn", "arn:x");
        assertThat(moved.value()).isSameAs(value);
        assertThat(raw("2", "w").withNextRotation(T0).lease()).isEmpty(); // a static version stays without one
        moved.wipe();
        assertThat(held.bytes()).containsOnly((byte) 0);
    }

    @Test
    void version_comesBackAsGiven_asciiOrNot_andCopiesKeepIt() {
        SecretRef ref = SecretRef.parse("mem:app/db");
        for (String version : new String[] {"0123456789abcdef", "3", "version-ä", "lone\udc00surrogate"}) {
            Secret s = Secret.builder(ref)
                    .version(version)
                    .value("v")
                    .fetchedAt(T0)
                    .build();
            assertThat(s.version()).isEqualTo(version);
            assertThat(s.withLease(Lease.of("l", Duration.ofHours(1), true, T0)).version())
                    .isEqualTo(version);
            assertThat(s.withNextRotation(T0.plusSeconds(60)).version()).isEqualTo(version);
            assertThat(s.newBuilder().build().version()).isEqualTo(version);
            assertThat(s.toString()).contains("version=" + version);
        }
    }
}
