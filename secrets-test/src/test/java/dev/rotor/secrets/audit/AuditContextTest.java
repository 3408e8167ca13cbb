package dev.rotor.secrets.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.AuditContext;
import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Where the application runs: read from a given environment, once per client, on every record under {@code where}. */
class AuditContextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void detect_readsTheDownwardApiVariables_andTheApplicationsOwn() {
        AuditContext c = AuditContext.detect(Map.of(
                "HOSTNAME", "orders-7d9f",
                "POD_NAME", "orders-7d9f-x2",
                "POD_NAMESPACE", "shop",
                "NODE_NAME", "node-3",
                "ROTOR_APPLICATION", "orders",
                "ROTOR_APPLICATION_VERSION", "4.2.0",
                "ROTOR_DEPLOYMENT", "blue")::get);

        assertThat(c.host()).contains("orders-7d9f");
        assertThat(c.pod()).contains("orders-7d9f-x2");
        assertThat(c.namespace()).contains("shop");
        assertThat(c.node()).contains("node-3");
        assertThat(c.application()).contains("orders");
        assertThat(c.applicationVersion()).contains("4.2.0");
        assertThat(c.deployment()).contains("blue");
        assertThat(c.pid()).contains(ProcessHandle.current().pid());
    }

    @Test
    void detect_inAPodWithoutPodName_thePodIsTheHostName() {
        AuditContext c = AuditContext.detect(Map.of("HOSTNAME", "web-5c7", "KUBERNETES_SERVICE_HOST", "10.0.0.1")::get);
        assertThat(c.pod()).contains("web-5c7");
        assertThat(c.namespace()).isEmpty();
    }

    @Test
    void detect_outsideKubernetes_noPod_andTheApplicationFallsBackToTheOpenTelemetryName() {
        AuditContext c = AuditContext.detect(
                Map.of("HOSTNAME", "laptop", "OTEL_SERVICE_NAME", "billing", "POD_NAMESPACE", "  ")::get);
        assertThat(c.host()).contains("laptop");
        assertThat(c.pod()).isEmpty();
        assertThat(c.namespace()).as("a blank variable counts as unset").isEmpty();
        assertThat(c.application()).contains("billing");
    }

    @Test
    void detect_withoutHostVariables_fallsBackToTheLocalHostName() {
        AuditContext c = AuditContext.detect(Map.<String, String>of()::get);
        assertThat(c.host()).isPresent();
        assertThat(c.pod()).isEmpty();
        assertThat(c.application()).isEmpty();
    }

    @Test
    void everyRecord_carriesTheClientsContext_underWhere() throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        source.put("k", "v1");
        List<SecretEvent> events = new CopyOnWriteArrayList<>();
        AuditContext where = AuditContext.detect(Map.of("HOSTNAME", "h1", "POD_NAMESPACE", "shop")::get)
                .newBuilder()
                .deployment("release-42")
                .application("orders")
                .build();
        try (Secrets secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditContext(where)
                .eventListener(events::add)
                .build()) {
            secrets.get("mem:k");
            source.put("k", "v2");
            secrets.refresh("mem:k");
            secrets.publish(SecretEvent.builder(
                            SecretEventType.AUTH_LOGIN, scheduler.clock().now())
                    .source("mem")
                    .build());
        }
        assertThat(events).hasSize(3);
        for (SecretEvent e : events) {
            assertThat(e.where()).contains(where);
            JsonNode w = JSON.readTree(JsonAuditLogger.toJson(e)).get("where");
            assertThat(w.get("host").asText()).isEqualTo("h1");
            assertThat(w.get("namespace").asText()).isEqualTo("shop");
            assertThat(w.get("deployment").asText()).isEqualTo("release-42");
            assertThat(w.get("application").asText()).isEqualTo("orders");
            assertThat(w.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
            assertThat(w.has("pod")).isFalse();
        }
    }

    @Test
    void anEventThatNamesItsOwnWhere_keepsIt() {
        AuditContext own = AuditContext.builder().host("elsewhere").build();
        SecretEvent e = SecretEvent.builder(SecretEventType.LOADED, java.time.Instant.EPOCH)
                .where(own)
                .build()
                .withAudit(AuditContext.builder().host("client").build(), null);
        assertThat(e.where()).contains(own);
    }
}
