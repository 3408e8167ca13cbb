package dev.rotor.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The JSON audit log: one object per line on {@code rotor.audit}, every lifecycle step, never a value. */
class AuditLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
    private Logger auditLogger;
    private Level previousLevel;
    private Secrets secrets;

    @BeforeEach
    void captureTheAuditLogger() {
        auditLogger = (Logger) LoggerFactory.getLogger(JsonAuditLogger.LOGGER_NAME);
        previousLevel = auditLogger.getLevel();
        auditLogger.setLevel(Level.INFO);
        audit.start();
        auditLogger.addAppender(audit);
    }

    @AfterEach
    void release() {
        if (secrets != null) {
            secrets.close();
        }
        auditLogger.detachAppender(audit);
        auditLogger.setLevel(previousLevel);
        audit.stop();
    }

    private Secrets start() {
        return start(b -> {});
    }

    private Secrets start(Consumer<Secrets.Builder> options) {
        Secrets.Builder b = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .random(new Random(42))
                .eventListener(events);
        options.accept(b);
        secrets = b.build();
        return secrets;
    }

    private Instant now() {
        return scheduler.clock().now();
    }

    /** Every audit line so far, parsed; asserts that each is a single JSON object on one line. */
    private List<JsonNode> lines() {
        List<JsonNode> out = new ArrayList<>();
        for (ILoggingEvent e : audit.list) {
            String line = e.getFormattedMessage();
            assertThat(line).doesNotContain("\n", "\r").startsWith("{").endsWith("}");
            assertThat(e.getLoggerName()).isEqualTo("rotor.audit");
            try {
                JsonNode node = JSON.readTree(line);
                assertThat(node.isObject()).as(line).isTrue();
                out.add(node);
            } catch (Exception ex) {
                throw new AssertionError("not JSON: " + line, ex);
            }
        }
        return out;
    }

    private List<JsonNode> lines(SecretEventType type) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode n : lines()) {
            if (n.path("event").asText().equals(type.name())) {
                out.add(n);
            }
        }
        return out;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    @Test
    void firstLoad_writesOneLoadedLineWithEveryField() {
        source.dynamic(
                "db/creds",
                n -> Map.of("username", "u" + n, "password", "p" + n),
                Duration.ofHours(1),
                Duration.ofHours(3),
                true);
        start();
        Instant loadedAt = now();

        secrets.get("mem:db/creds");

        assertThat(audit.list).hasSize(1);
        ILoggingEvent logged = audit.list.get(0);
        assertThat(logged.getLevel()).isEqualTo(Level.INFO);
        JsonNode line = lines().get(0);
        assertThat(fieldNames(line))
                .startsWith("schema", "time", "event", "outcome", "ref", "source", "version")
                .contains("leaseExpiry", "durationMs")
                .doesNotContain("errorClass", "error", "previousVersion");
        assertThat(line.get("time").asText()).isEqualTo(loadedAt.toString());
        assertThat(line.get("event").asText()).isEqualTo("LOADED");
        assertThat(line.get("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(line.get("ref").asText()).isEqualTo("mem:db/creds");
        assertThat(line.get("source").asText()).isEqualTo("mem");
        assertThat(line.get("version").asText()).isEqualTo("1");
        assertThat(line.get("leaseExpiry").asText())
                .isEqualTo(loadedAt.plus(Duration.ofHours(1)).toString());
        assertThat(line.get("durationMs").isNumber()).isTrue();
        assertThat(line.get("durationMs").asLong()).isZero();
        assertThat(line.get("detail").asText()).isEqualTo("initial");
    }

    @Test
    void refAndSource_areTheSecretsWithoutItsField() {
        source.putFields("app/db", Map.of("username", "app", "password", "pw"));
        start();

        secrets.value("mem:app/db#password");

        JsonNode line = lines(SecretEventType.LOADED).get(0);
        assertThat(line.get("ref").asText()).isEqualTo("mem:app/db");
        assertThat(line.has("leaseExpiry")).isFalse();
    }

    @Test
    void staticSecret_rotation_writesRotatedWithBothVersions() {
        source.put("app/key", "k-1");
        start();
        secrets.get("mem:app/key");
        source.put("app/key", "k-2");
        Instant due = scheduler.nextDue();
        scheduler.advance(Duration.ofMinutes(5));

        List<JsonNode> rotated = lines(SecretEventType.ROTATED);
        assertThat(rotated).hasSize(1);
        JsonNode line = rotated.get(0);
        assertThat(line.get("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(line.get("version").asText()).isEqualTo("2");
        assertThat(line.get("previousVersion").asText()).isEqualTo("1");
        assertThat(line.get("time").asText()).isEqualTo(due.toString());
        assertThat(line.get("detail").asText()).isEqualTo("refresh");
    }

    @Test
    void failedRefresh_writesAWarnLineWithOutcomeErrorClassAndLeaseExpiry() {
        source.dynamic("db/creds", n -> Map.of("password", "p" + n), Duration.ofHours(1), Duration.ofHours(1), false);
        start();
        secrets.get("mem:db/creds");
        Instant expiry = now().plus(Duration.ofHours(1));
        source.goDown();

        scheduler.advance(Duration.ofMinutes(41));

        List<ILoggingEvent> warns =
                audit.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertThat(warns).isNotEmpty();
        JsonNode line = lines(SecretEventType.REFRESH_FAILED).get(0);
        assertThat(line.get("outcome").asText()).isEqualTo("FAILURE");
        assertThat(line.get("ref").asText()).isEqualTo("mem:db/creds");
        assertThat(line.get("source").asText()).isEqualTo("mem");
        assertThat(line.get("version").asText()).isEqualTo("1");
        assertThat(line.get("leaseExpiry").asText()).isEqualTo(expiry.toString());
        assertThat(line.get("errorClass").asText()).isEqualTo(SourceUnavailableException.class.getName());
        assertThat(line.get("error").asText())
                .contains("in-memory source is down")
                .contains("source=mem");
        assertThat(line.get("detail").asText()).startsWith("attempt 1, retry in ");
        assertThat(line.get("durationMs").isNumber()).isTrue();
    }

    @Test
    void coldReadFailure_isAuditedWithoutVersionOrLease() {
        start();

        assertThatThrownBy(() -> secrets.get("mem:nope")).isInstanceOf(SecretNotFoundException.class);

        JsonNode line = lines(SecretEventType.REFRESH_FAILED).get(0);
        assertThat(audit.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(line.get("outcome").asText()).isEqualTo("FAILURE");
        assertThat(line.get("errorClass").asText()).isEqualTo(SecretNotFoundException.class.getName());
        assertThat(line.has("version")).isFalse();
        assertThat(line.has("leaseExpiry")).isFalse();
    }

    @Test
    void foreignFailure_auditsTheClassAndNotTheMessage() {
        source.put("app/key", "k-1");
        start();
        source.failNext(1, () -> new IllegalStateException("upstream said: teapot"));

        assertThatThrownBy(() -> secrets.get("mem:app/key")).isInstanceOf(SourceUnavailableException.class);

        JsonNode line = lines(SecretEventType.REFRESH_FAILED).get(0);
        assertThat(line.get("errorClass").asText()).isEqualTo(SourceUnavailableException.class.getName());
        assertThat(line.get("error").asText()).contains("java.lang.IllegalStateException");
        assertThat(line.toString()).doesNotContain("teapot");
    }

    @Test
    void everyStep_isAuditedInOrder_andMatchesTheEvents() {
        source.dynamic("db/creds", n -> Map.of("password", "p" + n), Duration.ofHours(1), Duration.ofHours(1), true);
        start(b -> b.revokeOnClose(true));
        secrets.get("mem:db/creds");
        scheduler.advance(Duration.ofMinutes(41)); // renewal capped by the max TTL: rotate early
        secrets.compromised("mem:db/creds");
        secrets.close();

        List<JsonNode> lines = lines();
        List<String> types = lines.stream().map(n -> n.get("event").asText()).toList();
        assertThat(types)
                .startsWith("LOADED", "RENEWED")
                .contains("ROTATED", "COMPROMISED")
                .containsSubsequence("COMPROMISED", "REVOKED", "ROTATED")
                .endsWith("REVOKED");
        assertThat(types).hasSameSizeAs(events.events());
        for (int i = 0; i < lines.size(); i++) {
            SecretEvent e = events.events().get(i);
            JsonNode n = lines.get(i);
            assertThat(n.get("event").asText()).isEqualTo(e.type().name());
            assertThat(n.get("outcome").asText()).isEqualTo(e.outcome().name());
            assertThat(n.get("time").asText()).isEqualTo(e.time().toString());
            assertThat(n).isEqualTo(parse(JsonAuditLogger.toJson(e)));
        }
    }

    @Test
    void circuitEvents_carryTheSourceAndNoRef() {
        start(b -> b.circuitBreaker(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                .slidingWindowSize(2)
                .minimumNumberOfCalls(2)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofSeconds(5))
                .build()));
        source.goDown();
        for (int i = 0; i < 2; i++) {
            String ref = "mem:a" + i; // two secrets: a cold read's failure is remembered until its retry falls due
            assertThatThrownBy(() -> secrets.get(ref)).isInstanceOf(SourceUnavailableException.class);
        }

        JsonNode line = lines(SecretEventType.CIRCUIT_OPENED).get(0);
        assertThat(line.get("source").asText()).isEqualTo("mem");
        assertThat(line.has("ref")).isFalse();
        assertThat(line.get("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(line.get("detail").asText()).contains("OPEN");
    }

    @Test
    void auditLogOff_writesNothing_butListenersStillHearEvents() {
        source.put("app/key", "k-1");
        start(b -> b.auditLog(false));

        secrets.get("mem:app/key");

        assertThat(audit.list).isEmpty();
        assertThat(events.types()).containsExactly(SecretEventType.LOADED);
    }

    @Test
    void loggerAtWarn_dropsSuccesses_keepsFailures() {
        auditLogger.setLevel(Level.WARN);
        source.put("app/key", "k-1");
        start();

        secrets.get("mem:app/key");
        assertThatThrownBy(() -> secrets.get("mem:nope")).isInstanceOf(SecretNotFoundException.class);

        assertThat(lines()).extracting(n -> n.get("event").asText()).containsExactly("REFRESH_FAILED");
    }

    @Test
    void toJson_writesEveryFieldOfAFullEvent() throws Exception {
        Instant t = Instant.parse("2026-11-25T10:00:00Z");
        SecretEvent e = SecretEvent.builder(SecretEventType.ROTATED, t)
                .ref(SecretRef.parse("vault:database/creds/app"))
                .source("vault")
                .version("7")
                .previousVersion("6")
                .leaseExpiry(t.plus(Duration.ofHours(1)))
                .duration(Duration.ofMillis(4))
                .detail("refresh \"quoted\"\n")
                .build();

        String json = JsonAuditLogger.toJson(e);

        assertThat(json).doesNotContain("\n");
        JsonNode n = JSON.readTree(json);
        assertThat(fieldNames(n))
                .containsExactly(
                        "schema",
                        "time",
                        "event",
                        "outcome",
                        "ref",
                        "source",
                        "version",
                        "previousVersion",
                        "leaseExpiry",
                        "durationMs",
                        "detail");
        assertThat(n.get("schema").asText()).isEqualTo(JsonAuditLogger.SCHEMA);
        assertThat(n.get("time").asText()).isEqualTo("2026-11-25T10:00:00Z");
        assertThat(n.get("leaseExpiry").asText()).isEqualTo("2026-11-25T11:00:00Z");
        assertThat(n.get("durationMs").asLong()).isEqualTo(4);
        assertThat(n.get("detail").asText()).isEqualTo("refresh \"quoted\"\n");
    }

    @Test
    void toJson_keepsRotorsMessage_dropsAForeignOne() throws Exception {
        Instant t = Instant.parse("2026-11-25T10:00:00Z");
        SecretEvent own = SecretEvent.builder(SecretEventType.REFRESH_FAILED, t)
                .failure(new SecretNotFoundException("no such secret", SecretRef.parse("k:x"), "k"))
                .build();
        SecretEvent foreign = SecretEvent.builder(SecretEventType.REFRESH_FAILED, t)
                .failure(new IllegalArgumentException("response body {\"password\":\"hunter2\"}"))
                .build();

        JsonNode ownLine = JSON.readTree(JsonAuditLogger.toJson(own));
        JsonNode foreignLine = JSON.readTree(JsonAuditLogger.toJson(foreign));

        assertThat(ownLine.get("outcome").asText()).isEqualTo("FAILURE");
        assertThat(ownLine.get("errorClass").asText()).isEqualTo(SecretNotFoundException.class.getName());
        assertThat(ownLine.get("error").asText()).isEqualTo("no such secret [ref=k:x, source=k]");
        assertThat(foreignLine.get("errorClass").asText()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(foreignLine.has("error")).isFalse();
        assertThat(foreignLine.toString()).doesNotContain("hunter2");
    }

    @Test
    void jsonAuditLogger_onAnyLogger_writesTheSameLine() {
        ListAppender<ILoggingEvent> other = new ListAppender<>();
        Logger custom = (Logger) LoggerFactory.getLogger("custom.audit.for.test");
        other.start();
        custom.addAppender(other);
        try {
            SecretEvent e = SecretEvent.builder(SecretEventType.LOADED, Instant.EPOCH)
                    .source("k")
                    .build();

            new JsonAuditLogger(custom).onEvent(e);

            assertThat(other.list).singleElement().satisfies(l -> {
                assertThat(l.getLevel()).isEqualTo(Level.INFO);
                assertThat(l.getFormattedMessage()).isEqualTo(JsonAuditLogger.toJson(e));
            });
        } finally {
            custom.detachAppender(other);
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(json, e);
        }
    }
}
