package dev.rotor.secrets.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.rotor.secrets.AuditContext;
import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretAccessDeniedException;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretPolicyException;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.SourceThrottledException;
import dev.rotor.secrets.SourceUnavailableException;
import dev.rotor.secrets.StalePolicy;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every record the client writes matches the JSON Schema shipped in secrets-core: one real record per {@link
 * SecretEventType}, produced by a real engine on a manual clock (the enum is iterated, so a new type without a
 * scenario here fails), each validated with format assertions on.
 */
class AuditRecordSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AuditContext WHERE = AuditContext.detect(Map.of(
            "HOSTNAME", "orders-7d9f",
            "KUBERNETES_SERVICE_HOST", "10.0.0.1",
            "POD_NAMESPACE", "shop",
            "NODE_NAME", "node-3",
            "ROTOR_APPLICATION", "orders",
            "ROTOR_APPLICATION_VERSION", "4.2.0",
            "ROTOR_DEPLOYMENT", "blue")::get);

    private static JsonSchema schema;

    @TempDir
    Path dir;

    private final Map<SecretEventType, List<JsonNode>> records = new EnumMap<>(SecretEventType.class);

    @BeforeAll
    static void loadTheShippedSchema() throws IOException {
        try (InputStream in =
                JsonAuditLogger.class.getClassLoader().getResourceAsStream(JsonAuditLogger.SCHEMA_RESOURCE)) {
            assertThat(in)
                    .as("the schema is on the class path at " + JsonAuditLogger.SCHEMA_RESOURCE)
                    .isNotNull();
            SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                    .formatAssertionsEnabled(true)
                    .build();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(JSON.readTree(in), config);
        }
    }

    /** Runs {@code scenario} on a fresh client over an in-memory source and keeps every record it wrote. */
    private void run(Consumer<Secrets.Builder> options, Scenario scenario) throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        InMemorySource source = new InMemorySource("mem", scheduler.clock());
        Secrets.Builder b = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditContext(WHERE)
                .eventListener(this::keep);
        options.accept(b);
        try (Secrets secrets = b.build()) {
            scenario.run(secrets, source, scheduler);
        }
    }

    private void run(Scenario scenario) throws Exception {
        run(b -> {}, scenario);
    }

    interface Scenario {
        void run(Secrets secrets, InMemorySource source, ManualScheduler scheduler) throws Exception;
    }

    private void keep(SecretEvent e) {
        String line = JsonAuditLogger.toJson(e);
        assertThat(line).doesNotContain("\n", "\r");
        try {
            records.computeIfAbsent(e.type(), t -> new ArrayList<>()).add(JSON.readTree(line));
        } catch (IOException ex) {
            throw new AssertionError("not JSON: " + line, ex);
        }
    }

    @Test
    void everyEventType_writesARecordTheShippedSchemaAccepts() throws Exception {
        // LOADED, ROTATED, REJECTED, COMPROMISED, REVOKED
        run(
                b -> b.validator("mem:checked", (candidate, current) -> {
                    if (candidate.value().equals("bad")) {
                        throw new SecretRejectedException("value is not acceptable");
                    }
                }),
                (secrets, source, scheduler) -> {
                    source.put("k", "v1");
                    secrets.get("mem:k");
                    source.put("k", "v2");
                    secrets.refresh("mem:k");
                    source.put("checked", "good");
                    secrets.get("mem:checked");
                    source.put("checked", "bad");
                    assertThatThrownBy(() -> secrets.refresh("mem:checked")).isNotNull();
                    source.dynamic(
                            "db",
                            n -> Map.of("username", "u" + n, "password", "p" + n),
                            Duration.ofHours(1),
                            Duration.ofHours(10),
                            true);
                    secrets.get("mem:db");
                    secrets.compromised("mem:db");
                });
        // RENEWED
        run((secrets, source, scheduler) -> {
            source.dynamic("db", n -> Map.of("password", "p" + n), Duration.ofHours(1), Duration.ofHours(10), true);
            secrets.get("mem:db");
            scheduler.advance(Duration.ofMinutes(50));
        });
        // REFRESH_FAILED, EXPIRED, STALE_SERVED
        run(b -> b.stalePolicy(StalePolicy.serveStale()), (secrets, source, scheduler) -> {
            source.dynamic("db", n -> Map.of("password", "p" + n), Duration.ofHours(1), Duration.ofHours(1), false);
            secrets.get("mem:db");
            source.goDown();
            scheduler.advance(Duration.ofMinutes(61));
            secrets.get("mem:db");
        });
        // THROTTLED
        run((secrets, source, scheduler) -> {
            source.put("k", "v1");
            secrets.get("mem:k");
            source.failNext(
                    1, () -> new SourceThrottledException("slow down", null, "mem", Duration.ofSeconds(30), null));
            scheduler.advance(Duration.ofMinutes(10));
        });
        // CIRCUIT_OPENED, CIRCUIT_CLOSED
        run(
                b -> b.circuitBreaker(CircuitBreakerConfig.custom()
                        .slidingWindowSize(2)
                        .minimumNumberOfCalls(2)
                        .failureRateThreshold(50)
                        .waitDurationInOpenState(Duration.ofSeconds(30))
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .build()),
                (secrets, source, scheduler) -> {
                    source.goDown();
                    for (int i = 0; i < 2; i++) {
                        String ref = "mem:a" + i;
                        assertThatThrownBy(() -> secrets.get(ref)).isInstanceOf(SourceUnavailableException.class);
                    }
                    source.recover();
                    source.put("b", "vb");
                    scheduler.advance(Duration.ofSeconds(31));
                    secrets.get("mem:b");
                });
        // HANDED_OVER, and the source's own steps AUTH_LOGIN, AUTH_RENEWED, AUTH_FAILED (what a store adapter
        // publishes through its context)
        run((secrets, source, scheduler) -> {
            source.put("api", "k1");
            ConsumerBinding binding = ConsumerBinding.bind(secrets, new HeaderConsumer(), "mem:api");
            source.put("api", "k2");
            secrets.refresh("mem:api");
            binding.close();
            secrets.publish(SecretEvent.builder(
                            SecretEventType.AUTH_LOGIN, scheduler.clock().now())
                    .source("mem")
                    .detail("token obtained")
                    .build());
            secrets.publish(SecretEvent.builder(
                            SecretEventType.AUTH_RENEWED, scheduler.clock().now())
                    .source("mem")
                    .leaseExpiry(scheduler.clock().now().plusSeconds(3600))
                    .build());
            secrets.publish(SecretEvent.builder(
                            SecretEventType.AUTH_FAILED, scheduler.clock().now())
                    .source("mem")
                    .failure(new SourceUnavailableException("token renewal failed", null, "mem"))
                    .build());
        });
        // REFUSED_BY_POLICY: a ref outside the allow-list, refused before any call
        run(b -> b.allowRefs("mem:allowed"), (secrets, source, scheduler) -> {
            source.put("denied", "v");
            assertThatThrownBy(() -> secrets.get("mem:denied")).isInstanceOf(SecretPolicyException.class);
        });
        // DRILL_STARTED, DRILL_RESULT: a drill of a leased secret, re-issued
        run((secrets, source, scheduler) -> {
            source.dynamic("db", n -> Map.of("password", "p" + n), Duration.ofHours(1), Duration.ofHours(10), true);
            secrets.get("mem:db");
            secrets.drill(List.of("mem:db"));
        });
        // UNDECLARED_READ, SLO_BREACHED, SLO_RECOVERED: the monitor on a declared secret past its maximum age
        run(
                b -> b.declare(SecretDeclaration.of("mem:k").maxAge(Duration.ofMinutes(1)))
                        .monitorInterval(Duration.ofSeconds(30)),
                (secrets, source, scheduler) -> {
                    source.put("k", "v1");
                    source.put("other", "o");
                    secrets.get("mem:k");
                    secrets.get("mem:other");
                    scheduler.advance(Duration.ofMinutes(2));
                    source.put("k", "v2");
                    secrets.refresh("mem:k");
                    scheduler.advance(Duration.ofSeconds(30));
                });
        // the monitor's anomaly signals, each from its own scenario (AnomalySignalsTest has the rules)
        anomalyScenarios();
        // a known identity and a failed one: the file source with a planted service-account token, and a broken one
        Path token = dir.resolve("token");
        Files.writeString(token, KubernetesTokens.projected("shop", "orders", "orders-7d9f"));
        Files.writeString(dir.resolve("db-password"), "s3cr3t");
        fileClient(token);
        Path broken = dir.resolve("broken-token");
        Files.writeString(broken, "not-a-jwt");
        fileClient(broken);

        for (SecretEventType type : SecretEventType.values()) {
            assertThat(records.get(type))
                    .as("a scenario writes a %s record", type)
                    .isNotEmpty();
            for (JsonNode record : records.get(type)) {
                Set<ValidationMessage> errors = schema.validate(record);
                assertThat(errors).as("%s", record).isEmpty();
                assertThat(record.get("schema").asText()).isEqualTo(JsonAuditLogger.SCHEMA);
                assertThat(record.get("where").get("pod").asText()).isEqualTo("orders-7d9f");
                // every step of a source says who the application is to it; a step of no source (a drill's start)
                // has no who
                assertThat(record.has("who")).as("%s", record).isEqualTo(record.has("source") || record.has("ref"));
            }
        }
        JsonNode handOver = records.get(SecretEventType.HANDED_OVER).get(0);
        assertThat(handOver.get("consumer").asText()).isEqualTo("billing-api");
        assertThat(handOver.get("who").get("reason").asText()).isEqualTo("unsupported");
        JsonNode known = records.get(SecretEventType.LOADED).stream()
                .filter(r -> r.get("who").get("known").asBoolean())
                .findFirst()
                .orElseThrow();
        assertThat(known.get("who").get("principal").asText()).isEqualTo("system:serviceaccount:shop:orders");
        JsonNode failed = records.get(SecretEventType.LOADED).stream()
                .filter(r -> r.get("who").path("reason").asText().equals("failed"))
                .findFirst()
                .orElseThrow();
        assertThat(failed.get("who").get("errorClass").asText()).isEqualTo("dev.rotor.secrets.SecretFormatException");
    }

    /** One real scenario per anomaly signal: each record comes from the monitor, none is published by the test. */
    private void anomalyScenarios() throws Exception {
        Duration tick = Duration.ofSeconds(30);
        // ROTATION_TOO_FREQUENT: four new versions within a declared cadence of an hour
        run(
                b -> b.declare(SecretDeclaration.of("mem:k").rotationCadence(Duration.ofHours(1)))
                        .monitorInterval(tick),
                (secrets, source, scheduler) -> {
                    source.put("k", "v0");
                    secrets.get("mem:k");
                    for (int i = 1; i <= 4; i++) {
                        source.put("k", "v" + i);
                        secrets.refresh("mem:k");
                        scheduler.advance(Duration.ofMinutes(1));
                    }
                    assertThat(records.get(SecretEventType.ROTATION_TOO_FREQUENT))
                            .hasSize(1);
                });
        // UNEXPECTED_VERSION: a poll finds a new version of a static secret without a rotation date
        run(
                b -> b.declare(SecretDeclaration.of("mem:k"))
                        .refreshPolicy(RefreshPolicy.builder()
                                .pollInterval(Duration.ofMinutes(1))
                                .build()),
                (secrets, source, scheduler) -> {
                    source.put("k", "v1");
                    secrets.get("mem:k");
                    source.put("k", "v2");
                    scheduler.advance(Duration.ofMinutes(2));
                    assertThat(records.get(SecretEventType.UNEXPECTED_VERSION)).hasSize(1);
                });
        // ACCESS_DENIED_BURST: five access denied answers from one source within a minute
        run(b -> b.monitorInterval(tick), (secrets, source, scheduler) -> {
            source.failAlways(() -> new SecretAccessDeniedException("permission denied", null, "mem"));
            for (int i = 0; i < 5; i++) {
                String ref = "mem:denied-" + i;
                assertThatThrownBy(() -> secrets.get(ref)).isInstanceOf(SecretAccessDeniedException.class);
            }
            assertThat(records.get(SecretEventType.ACCESS_DENIED_BURST)).hasSize(1);
        });
        // CONSUMER_REFUSING: a consumer refusing three new versions in a row
        run(b -> b.monitorInterval(tick), (secrets, source, scheduler) -> {
            source.put("api", "k1");
            RefusingConsumer consumer = new RefusingConsumer();
            ConsumerBinding binding = ConsumerBinding.bind(secrets, consumer, "mem:api");
            consumer.refuse = true;
            for (int i = 2; i <= 4; i++) {
                source.put("api", "k" + i);
                secrets.refresh("mem:api");
            }
            binding.close();
            assertThat(records.get(SecretEventType.CONSUMER_REFUSING)).hasSize(1);
        });
        // READ_RATE_SPIKE: a secret read far above its own baseline
        run(b -> b.monitorInterval(tick).readRateSignal(true), (secrets, source, scheduler) -> {
            source.put("k", "v1");
            SecretHandle handle = secrets.handle("mem:k");
            scheduler.advance(tick);
            for (int interval = 0; interval < 7; interval++) {
                for (int i = 0; i < 50; i++) {
                    handle.current();
                }
                scheduler.advance(tick);
            }
            for (int i = 0; i < 2_000; i++) {
                handle.current();
            }
            scheduler.advance(tick);
            assertThat(records.get(SecretEventType.READ_RATE_SPIKE)).hasSize(1);
        });
    }

    @Test
    void theSchema_refusesARecordWithAnUndocumentedField() throws IOException {
        JsonNode record = JSON.readTree("{\"schema\":\"rotor.audit/1\",\"time\":\"2026-11-25T10:00:00Z\","
                + "\"event\":\"LOADED\",\"outcome\":\"SUCCESS\",\"password\":\"x\"}");
        assertThat(schema.validate(record)).isNotEmpty();
        JsonNode badWho = JSON.readTree("{\"schema\":\"rotor.audit/1\",\"time\":\"2026-11-25T10:00:00Z\","
                + "\"event\":\"LOADED\",\"outcome\":\"SUCCESS\",\"who\":{\"known\":true}}");
        assertThat(schema.validate(badWho))
                .as("a known identity names its principal")
                .isNotEmpty();
    }

    private void fileClient(Path tokenFile) throws Exception {
        ManualScheduler scheduler = new ManualScheduler();
        FileSecretSource files = FileSecretSource.builder()
                .serviceAccountTokenFile(tokenFile)
                .watch(false)
                .build();
        try (Secrets secrets = Secrets.builder()
                .source(files)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .auditContext(WHERE)
                .eventListener(this::keep)
                .build()) {
            assertThat(secrets.value("file:" + dir.resolve("db-password"))).isEqualTo("s3cr3t");
        }
    }

    /** A consumer that refuses every new version once told to: its check of a new key fails. */
    private static final class RefusingConsumer implements SecretConsumer {
        volatile boolean refuse;

        @Override
        public String name() {
            return "billing-api";
        }

        @Override
        public String kind() {
            return "http-header";
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) {
            if (refuse) {
                throw new SecretRejectedException("the key does not authenticate");
            }
        }

        @Override
        public void accept(SecretChange change) {}
    }

    /** A consumer that puts the key in a header: the kind of consumer the SPI's own example shows. */
    private static final class HeaderConsumer implements SecretConsumer {
        private volatile String header;

        @Override
        public String name() {
            return "billing-api";
        }

        @Override
        public String kind() {
            return "http-header";
        }

        @Override
        public void validate(Secret candidate, Optional<Secret> inUse) {}

        @Override
        public void accept(SecretChange change) {
            header = "Bearer " + change.current().value();
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
