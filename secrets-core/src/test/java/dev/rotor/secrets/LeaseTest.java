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
}
