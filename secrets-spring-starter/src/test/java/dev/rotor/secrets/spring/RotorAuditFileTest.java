package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.audit.AuditChainVerifier;
import dev.rotor.secrets.audit.AuditVerdict;
import dev.rotor.secrets.audit.ChainedAuditFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;

/** {@code rotor.audit.file.*}: the tamper-evident audit file on the client, off unless path and key ref are set. */
class RotorAuditFileTest {
    private static final String KEY = "spring-audit-key-0123456789";

    @TempDir
    Path tmp;

    private final Fixture fx = new Fixture();

    {
        fx.source.put("app/audit-key", KEY);
    }

    private org.springframework.boot.test.context.runner.ApplicationContextRunner runner() {
        return fx.runner()
                .withConfiguration(
                        AutoConfigurations.of(RotorAutoConfiguration.class, RotorAuditFileAutoConfiguration.class));
    }

    @Test
    void pathAndKeyRef_writeEveryEventToAChainThatVerifies() {
        Path log = tmp.resolve("audit.jsonl");
        runner().withPropertyValues(
                        "rotor.audit.file.path=" + log,
                        "rotor.audit.file.key-ref=mem:app/audit-key",
                        "rotor.audit.file.max-size=2KB",
                        "rotor.audit.file.queue-capacity=16")
                .run(context -> {
                    assertThat(context).hasSingleBean(RotorAuditFile.class);
                    context.getBean(Secrets.class).get("mem:app/key");
                });
        // the context closed the file (with a close record) before the client
        AuditVerdict verdict = AuditChainVerifier.builder()
                .key("1", KEY.getBytes(StandardCharsets.UTF_8))
                .requireClose(true)
                .build()
                .verifyChain(log);
        assertThat(verdict.kind()).isEqualTo(AuditVerdict.Kind.OK);
        assertThat(readAll(log)).contains("\"ref\":\"mem:app/key\"").doesNotContain(Fixture.STATIC_VALUE, KEY);
    }

    @Test
    void withoutPathOrKeyRef_thereIsNoAuditFile() {
        runner().run(context -> assertThat(context).doesNotHaveBean(RotorAuditFile.class));
        runner().withPropertyValues("rotor.audit.file.path=" + tmp.resolve("a.jsonl"))
                .run(context -> assertThat(context).doesNotHaveBean(RotorAuditFile.class));
        runner().withPropertyValues("rotor.audit.file.key-ref=mem:app/audit-key")
                .run(context -> assertThat(context).doesNotHaveBean(RotorAuditFile.class));
        assertThat(tmp.resolve("a.jsonl")).doesNotExist();
    }

    @Test
    void properties_bindSizeAndCapacity_withDocumentedDefaults() {
        RotorProperties.Audit.AuditFile defaults =
                new RotorProperties().getAudit().getFile();
        assertThat(defaults.getMaxSize().toBytes()).isEqualTo(ChainedAuditFile.DEFAULT_MAX_SIZE);
        assertThat(defaults.getQueueCapacity()).isEqualTo(ChainedAuditFile.DEFAULT_QUEUE_CAPACITY);
        assertThat(defaults.getPath()).isNull();
        assertThat(defaults.getKeyRef()).isNull();
    }

    @Test
    void metadata_describesTheAuditFileProperties_withTheirDefaults() throws Exception {
        java.net.URL url =
                RotorProperties.class.getClassLoader().getResource("META-INF/spring-configuration-metadata.json");
        assertThat(url).isNotNull();
        java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> props = new java.util.HashMap<>();
        try (java.io.InputStream in = url.openStream()) {
            for (com.fasterxml.jackson.databind.JsonNode p : new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(in)
                    .get("properties")) {
                props.put(p.get("name").asText(), p);
            }
        }
        for (String name : java.util.List.of(
                "rotor.audit.file.path",
                "rotor.audit.file.key-ref",
                "rotor.audit.file.max-size",
                "rotor.audit.file.queue-capacity")) {
            assertThat(props.get(name)).as(name).isNotNull();
            assertThat(props.get(name).path("description").asText()).as(name).isNotBlank();
        }
        assertThat(props.get("rotor.audit.file.max-size").path("defaultValue").asText())
                .isEqualTo("10MB");
        assertThat(props.get("rotor.audit.file.queue-capacity")
                        .path("defaultValue")
                        .asInt())
                .isEqualTo(8192);
        assertThat(props.get("rotor.audit.file.path").has("defaultValue")).isFalse();
    }

    private static String readAll(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
