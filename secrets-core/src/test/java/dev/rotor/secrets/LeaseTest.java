package dev.rotor.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeaseTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void toString_printsADigestOfTheLeaseId_neverTheIdItself() {
        Lease lease = Lease.of("database/creds/app/Xk29aPlanted", Duration.ofHours(1), true, T0);
        String printed = lease.toString();
        assertThat(printed).doesNotContain("Xk29aPlanted").doesNotContain("database/creds");
        assertThat(printed).matches(".*id=sha256:[0-9a-f]{16},.*");
        // the same id prints the same digest, so log lines can still be matched up
        assertThat(Lease.of("database/creds/app/Xk29aPlanted", Duration.ofMinutes(5), true, T0)
                        .toString())
                .contains(printed.substring(printed.indexOf("sha256:"), printed.indexOf("sha256:") + 23));
        assertThat(Secret.builder(SecretRef.parse("vault:database/creds/app"))
                        .version("v")
                        .value("x")
                        .fetchedAt(T0)
                        .lease(lease)
                        .build()
                        .toString())
                .doesNotContain("Xk29aPlanted");
    }

    @Test
    void toString_withoutAnId_saysSo() {
        assertThat(Lease.builder(Duration.ofHours(1), T0).build().toString()).contains("id=-");
    }

    @Test
    void issuedAtAndExpiresAt_areTheInstantsTheLeaseWasBuiltWith() {
        Instant issued = T0.plusNanos(123_456_789);
        Lease lease = Lease.of("id", Duration.ofHours(1), true, issued);
        assertThat(lease.issuedAt()).isEqualTo(issued);
        assertThat(lease.expiresAt()).isEqualTo(issued.plus(Duration.ofHours(1)));
        assertThat(lease.renewed(Duration.ofMinutes(5), T0.plusSeconds(10)).expiresAt())
                .isEqualTo(T0.plusSeconds(310));
        assertThat(lease).isEqualTo(Lease.of("id", Duration.ofHours(1), true, issued));
        assertThat(lease.hashCode())
                .isEqualTo(Lease.of("id", Duration.ofHours(1), true, issued).hashCode());
        assertThat(lease).isNotEqualTo(Lease.of("id", Duration.ofHours(1), true, issued.plusNanos(1)));
        assertThat(Lease.of("id", Duration.ofDays(1), false, Instant.MIN).issuedAt())
                .isEqualTo(Instant.MIN);
    }

    @Test
    void build_anEndPastTheLastInstant_fails() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Lease.of("id", Duration.ofDays(1), false, Instant.MAX.minusSeconds(60)))
                .isInstanceOf(java.time.DateTimeException.class);
    }

    @Test
    void idAndDuration_comeBackAsTheyWereGiven_asciiOrNot() {
        Duration odd = Duration.ofSeconds(3600, 987_654_321);
        for (String id : new String[] {"database/creds/app/x1", "schlüssel/ß", "lone\ud800surrogate", ""}) {
            Lease lease = Lease.of(id, odd, true, T0);
            assertThat(lease.id()).contains(id);
            assertThat(lease.duration()).isEqualTo(odd);
            assertThat(lease.expiresAt()).isEqualTo(T0.plus(odd));
            assertThat(lease.newBuilder().build()).isEqualTo(lease).hasSameHashCodeAs(lease);
            assertThat(lease).isNotEqualTo(Lease.of(id + "x", odd, true, T0));
            assertThat(lease).isNotEqualTo(Lease.of(id, odd.plusNanos(1), true, T0));
        }
        assertThat(Lease.builder(Duration.ofMinutes(1), T0).build().id()).isEmpty();
        assertThat(Lease.builder(Duration.ofMinutes(1), T0).build())
                .isNotEqualTo(Lease.of("", Duration.ofMinutes(1), false, T0));
    }
}
