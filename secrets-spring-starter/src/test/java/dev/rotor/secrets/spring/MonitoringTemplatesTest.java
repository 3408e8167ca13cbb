package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.Criticality;
import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.test.LeakCheck;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The shipped alert rules and dashboard ({@code docs/monitoring/}) against what a real context publishes: every
 * metric name they use is one the starter's meters produce in a Prometheus scrape, and the freshness objective shows
 * in the endpoint and the health, never with a value.
 */
class MonitoringTemplatesTest {
    private static final Path DOCS = Path.of("..", "docs", "monitoring");
    private static final Pattern METRIC = Pattern.compile("\\brotor_[a-z_]+[a-z]");

    private final Fixture fx = new Fixture();

    private ApplicationContextRunner runner() {
        return fx.runner()
                .withConfiguration(AutoConfigurations.of(RotorMetricsAutoConfiguration.class))
                .withPropertyValues(
                        "rotor.secrets[0].ref=mem:db/creds",
                        "rotor.secrets[0].owner=payments-team",
                        "rotor.secrets[0].criticality=critical",
                        "rotor.secrets[0].max-age=30m",
                        "rotor.secrets[0].rotation-cadence=7d");
    }

    private static Set<String> metricsIn(Path file) throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(Files.readString(file));
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** The metric names of the samples in a Prometheus text scrape. */
    private static Set<String> scraped(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    /** Drives the client through the steps that make every meter appear: loads, renewals, failures, signals. */
    private String exercise(Secrets secrets, PrometheusMeterRegistry registry) {
        secrets.get("mem:db/creds");
        secrets.get("mem:app/key"); // no declaration names it
        fx.scheduler.advance(Duration.ofMinutes(45)); // renewed at about two thirds; past its 30 min maximum age
        fx.source.failNext(1, () -> new SourceUnavailableException("store down", null, "mem"));
        catchThrowable(() -> secrets.refresh("mem:app/key"));
        fx.source.failNext(1, () -> new SourceThrottledException("over quota", null, "mem"));
        catchThrowable(() -> secrets.refresh("mem:app/key"));
        SecretRef db = SecretRef.parse("mem:db/creds");
        // what a consumer binding publishes when its pool refuses a version
        secrets.publish(SecretEvent.builder(
                        SecretEventType.HANDED_OVER, fx.scheduler.clock().now())
                .ref(db)
                .source("pool-orders")
                .version("2")
                .failure(new SecretRejectedException("pool refused version 2", db, "pool-orders"))
                .build());
        fx.scheduler.advance(Duration.ofSeconds(30));
        return registry.scrape();
    }

    @Test
    void everyMetricInTheAlertRulesAndTheDashboard_isOneTheStarterPublishes() {
        runner().run(context -> {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getBean(RotorMetrics.class).bindTo(registry);
            String scrape = exercise(context.getBean(Secrets.class), registry);
            Set<String> published = scraped(scrape);

            Set<String> rules = metricsIn(DOCS.resolve("rotor-alerts.yml"));
            Set<String> dashboard = metricsIn(DOCS.resolve("rotor-dashboard.json"));
            assertThat(rules).contains("rotor_secret_slo_fresh", "rotor_source_circuit_open", "rotor_consumer_behind");
            assertThat(dashboard).isNotEmpty();
            assertThat(published).containsAll(rules).containsAll(dashboard);
            new ObjectMapper().readTree(DOCS.resolve("rotor-dashboard.json").toFile()); // valid JSON

            assertThat(scrape)
                    .containsPattern(
                            "rotor_secret_slo_fresh\\{[^}]*criticality=\"critical\"[^}]*owner=\"payments-team\""
                                    + "[^}]*ref=\"mem:db/creds\"[^}]*} 0\\.0")
                    .containsPattern("rotor_consumer_behind\\{consumer=\"pool-orders\",ref=\"mem:db/creds\"} 1\\.0")
                    .containsPattern("rotor_anomalies_total\\{source=\"mem\",type=\"undeclared_read\"} 1\\.0")
                    .containsPattern("rotor_slo_breaches_total\\{source=\"mem\"} 1\\.0");
        });
    }

    @Test
    void declarationProperties_reachTheInventory_endpointAndHealth() {
        runner().run(context -> {
            Secrets secrets = context.getBean(Secrets.class);
            InventoryEntry declared = secrets.inventory().stream()
                    .filter(e -> e.ref().toString().equals("mem:db/creds"))
                    .findFirst()
                    .orElseThrow();
            assertThat(declared.criticality()).isEqualTo(Criticality.CRITICAL);
            assertThat(declared.rotationCadence()).contains(Duration.ofDays(7));

            secrets.get("mem:db/creds");
            fx.scheduler.advance(Duration.ofMinutes(31));
            Map<String, Object> out = new RotorEndpoint(secrets, Show.ALWAYS, Set.of()).inventory(SecurityContext.NONE);
            @SuppressWarnings("unchecked")
            Map<String, Object> db = ((List<Map<String, Object>>) out.get("secrets"))
                    .stream()
                            .filter(m -> m.get("ref").equals("mem:db/creds"))
                            .findFirst()
                            .orElseThrow();
            assertThat(db).containsEntry("criticality", "CRITICAL").containsEntry("rotationCadence", "PT168H");
            // renewed on the way (the lease is fresh, the check recent): the version itself is past its maximum age
            @SuppressWarnings("unchecked")
            Map<String, Object> slo = (Map<String, Object>) db.get("slo");
            assertThat(slo)
                    .containsEntry("met", false)
                    .containsEntry("breach", "MAX_AGE")
                    .containsEntry("ageSeconds", 1860L)
                    .containsKeys("sinceLastCheckSeconds", "leaseRemainingSeconds");
            assertThat((Long) slo.get("sinceLastCheckSeconds")).isLessThan(1860L);
            assertThat((Long) slo.get("leaseRemainingSeconds")).isPositive();

            Map<String, Object> health =
                    new RotorHealthIndicator(secrets).health().getDetails();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> breaches = (List<Map<String, Object>>) health.get("sloBreaches");
            assertThat(breaches).singleElement().satisfies(b -> assertThat(b)
                    .containsEntry("ref", "mem:db/creds")
                    .containsEntry("owner", "payments-team")
                    .containsEntry("breach", "MAX_AGE"));
        });
    }

    @Test
    void scrapeEndpointAndHealth_neverCarryAValue() {
        try (LeakCheck leaks = LeakCheck.builder()
                .plant(Fixture.STATIC_VALUE, Fixture.DYN_PASS + "1", Fixture.DYN_PASS + "2")
                .start()) {
            runner().run(context -> {
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                context.getBean(RotorMetrics.class).bindTo(registry);
                Secrets secrets = context.getBean(Secrets.class);
                secrets.addEventListener(leaks);
                String scrape = exercise(secrets, registry);
                leaks.check(
                        scrape,
                        new RotorEndpoint(secrets, Show.ALWAYS, Set.of()).inventory(SecurityContext.NONE),
                        new RotorHealthIndicator(secrets).health().getDetails(),
                        secrets.inventory());
            });
        }
    }
}
