package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URL;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration metadata the annotation processor writes is in the module's output, described and defaulted. */
class MetadataTest {

    private static Map<String, JsonNode> properties() throws Exception {
        URL url = RotorProperties.class.getClassLoader().getResource("META-INF/spring-configuration-metadata.json");
        assertThat(url).as("generated metadata").isNotNull();
        assertThat(url.toString()).doesNotContain("test-classes");
        Map<String, JsonNode> out = new HashMap<>();
        try (InputStream in = url.openStream()) {
            for (JsonNode p : new ObjectMapper().readTree(in).get("properties")) {
                out.put(p.get("name").asText(), p);
            }
        }
        return out;
    }

    @Test
    void metadata_everyRotorProperty_hasADescription() throws Exception {
        Map<String, JsonNode> props = properties();
        assertThat(props.keySet())
                .contains(
                        "rotor.enabled",
                        "rotor.revoke-on-close",
                        "rotor.audit.enabled",
                        "rotor.metrics.enabled",
                        "rotor.refresh.poll-interval",
                        "rotor.refresh.lease-fraction",
                        "rotor.stale.policy",
                        "rotor.stale.max-staleness",
                        "rotor.secrets",
                        "rotor.vault.address",
                        "rotor.vault.namespace",
                        "rotor.vault.auth.method",
                        "rotor.vault.auth.role",
                        "rotor.vault.tls.ca-certificate",
                        "rotor.vault.connect-timeout",
                        "rotor.vault.read-timeout",
                        "rotor.vault.kv-versions",
                        "rotor.vault.auth.token-ref",
                        "rotor.vault.auth.password-ref",
                        "rotor.vault.tls.client-key",
                        "rotor.aws.region",
                        "rotor.aws.endpoint",
                        "rotor.aws.rotate-on-compromise",
                        "rotor.aws.rotation-check-interval",
                        "rotor.aws.describe-secrets",
                        "rotor.datasource.ref",
                        "rotor.datasource.username-field",
                        "rotor.datasource.password-field",
                        "rotor.datasource.validate",
                        "rotor.datasource.drain-timeout",
                        "rotor.ssl.bundle");
        props.forEach((name, p) -> {
            if (name.startsWith("rotor.")) {
                assertThat(p.path("description").asText()).as(name).isNotBlank();
            }
        });
    }

    @Test
    void metadata_throttlingAndTransportProperties_areDescribed_budgetsWithoutDefaults() throws Exception {
        Map<String, JsonNode> props = properties();
        for (String name : List.of(
                "rotor.vault.call-timeout",
                "rotor.vault.allow-paths",
                "rotor.vault.requests-per-second",
                "rotor.aws.api-call-timeout",
                "rotor.aws.api-call-attempt-timeout",
                "rotor.aws.allow-insecure-http",
                "rotor.aws.requests-per-second",
                "rotor.refresh.requests-per-second",
                "rotor.refresh.spread-first-refresh",
                "rotor.refresh.after-rotation-spread",
                "rotor.refresh.learn-from-throttling")) {
            assertThat(props.get(name)).as(name).isNotNull();
            assertThat(props.get(name).path("description").asText()).as(name).isNotBlank();
        }
        for (String unset : List.of(
                "rotor.refresh.requests-per-second",
                "rotor.refresh.spread-first-refresh",
                "rotor.refresh.after-rotation-spread",
                "rotor.refresh.learn-from-throttling",
                "rotor.vault.requests-per-second",
                "rotor.aws.requests-per-second",
                "rotor.vault.call-timeout",
                "rotor.aws.api-call-timeout",
                "rotor.aws.api-call-attempt-timeout")) {
            assertThat(props.get(unset).has("defaultValue")).as(unset).isFalse();
        }
        assertThat(props.get("rotor.aws.allow-insecure-http")
                        .get("defaultValue")
                        .asBoolean())
                .isFalse();
        assertThat(props.get("rotor.vault.allow-paths").get("type").asText()).startsWith("java.util.List");
    }

    @Test
    void metadata_defaults_matchTheCoreDefaults() throws Exception {
        Map<String, JsonNode> props = properties();
        // rotor.refresh.* is a layer over each source's own defaults: unset, it overrides nothing, so it has no
        // default of its own (a file: secret polls every 10 s, a store's every 5 min)
        for (String unset :
                List.of("rotor.refresh.poll-interval", "rotor.refresh.load-timeout", "rotor.refresh.lease-fraction")) {
            assertThat(props.get(unset)).as(unset).isNotNull();
            assertThat(props.get(unset).has("defaultValue")).as(unset).isFalse();
        }
        assertThat(props.get("rotor.revoke-on-close").get("defaultValue").asBoolean())
                .isFalse();
        assertThat(props.get("rotor.stale.policy").get("defaultValue").asText()).isEqualTo("strict");
    }
}
