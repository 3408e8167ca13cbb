package dev.rotor.benchmarks.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.benchmarks.fleet.FleetSimulation.Client;
import dev.rotor.benchmarks.fleet.FleetSimulation.Config;
import dev.rotor.benchmarks.fleet.FleetSimulation.Result;
import dev.rotor.benchmarks.fleet.FleetSimulation.Scenario;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A small, fast run of the fleet simulation (20 instances, minutes of virtual time) that checks its accounting. */
class FleetSimulationTest {

    private static Result run(Scenario scenario, Client client, Duration length) {
        return FleetSimulation.run(new Config()
                .scenario(scenario)
                .instances(20)
                .client(client)
                .seed(3)
                .duration(length));
    }

    private static void accountingHolds(Result r) {
        assertThat(r.sourceCalls())
                .as("calls the sources made = requests the store saw")
                .isEqualTo(r.storeRequests());
        assertThat(r.storeServed() + r.storeThrottled() + r.storeUnavailable())
                .as("served + throttled + unavailable = total")
                .isEqualTo(r.storeRequests());
        assertThat(r.sumPerSecond())
                .as("the per-second counts add up to the total")
                .isEqualTo(r.storeRequests());
    }

    @Test
    void storm_everyInstanceLoadsEverySecret_andTheCountsAgree() {
        Result r = run(Scenario.STORM, Client.ROTOR, Duration.ofMinutes(6));
        accountingHolds(r);
        // 20 instances x 10 first loads, then a probe per static secret after about 5 minutes
        assertThat(r.storeServed()).isGreaterThanOrEqualTo(200);
        assertThat(r.reads()).isGreaterThan(20 * 10 * 10);
        assertThat(r.failedReads()).isZero();
        assertThat(r.storeThrottled()).isZero();
    }

    @Test
    void outage_failedCallsAreCountedAsUnavailable() {
        Result r = run(Scenario.OUTAGE, Client.ROTOR, Duration.ofMinutes(55));
        accountingHolds(r);
        assertThat(r.storeUnavailable()).isPositive();
    }

    @Test
    void squeeze_throttledPlusServedIsTotal_forRotorAndTheAwsModel() {
        for (Client c : Client.values()) {
            Result r = run(Scenario.SQUEEZE, c, Duration.ofMinutes(45));
            accountingHolds(r);
            assertThat(r.reads()).isPositive();
            assertThat(r.storeThrottled()).as("the squeeze throttles %s", c).isPositive();
        }
    }

    @Test
    void awsModel_coldLoadsDescribeThenGet() {
        Result r = run(Scenario.STORM, Client.AWS, Duration.ofMinutes(5));
        accountingHolds(r);
        // each of 20 x 10 secrets: one DescribeSecret and one GetSecretValue, nothing more within 5 minutes
        assertThat(r.storeRequests()).isEqualTo(20 * 10 * 2);
        assertThat(r.failedReads()).isZero();
    }

    @Test
    void sameSeed_sameRun() {
        Result a = run(Scenario.STORM, Client.ROTOR, Duration.ofMinutes(8));
        Result b = run(Scenario.STORM, Client.ROTOR, Duration.ofMinutes(8));
        assertThat(a.storeRequests()).isEqualTo(b.storeRequests());
        assertThat(a.reads()).isEqualTo(b.reads());
    }
}
