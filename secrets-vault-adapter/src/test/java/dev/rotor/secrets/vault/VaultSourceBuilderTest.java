package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.SecretConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VaultSourceBuilderTest {
    @TempDir
    Path dir;

    private static VaultSource.Builder valid() {
        return VaultSource.builder()
                .address("https://vault.example.internal:8200")
                .auth(VaultAuth.token("s.abc"));
    }

    @Test
    void build_withoutAddress_failsNamingIt() {
        assertThatThrownBy(() ->
                        VaultSource.builder().auth(VaultAuth.token("s.abc")).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("address");
    }

    @Test
    void build_withoutAuth_failsNamingIt() {
        assertThatThrownBy(() ->
                        VaultSource.builder().address("https://vault:8200").build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("auth");
    }

    @Test
    void plainHttp_toRemoteHost_isRefused_unlessAllowed() {
        assertThatThrownBy(() ->
                        valid().address("http://vault.example.internal:8200").build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("plain http");
        valid().address("http://vault.example.internal:8200")
                .allowInsecureHttp(true)
                .build()
                .close();
    }

    @Test
    void plainHttp_toLoopback_isAllowed() {
        valid().address("http://127.0.0.1:8200").build().close();
        valid().address("http://localhost:8200").build().close();
        valid().address("http://[::1]:8200").build().close();
    }

    @Test
    void certAuth_withoutClientCertificate_fails() {
        assertThatThrownBy(() -> valid().auth(VaultAuth.cert()).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("clientCertificatePem");
    }

    @Test
    void badPemFile_failsAtBuild() throws Exception {
        Path bad = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        assertThatThrownBy(() -> valid().caCertificatePem(bad).build())
                .isInstanceOf(SecretConfigurationException.class);
    }

    @Test
    void badOptions_failNamingTheOption() {
        assertThatThrownBy(() -> valid().readTimeout(Duration.ZERO).build()).hasMessageContaining("readTimeout");
        assertThatThrownBy(() -> valid().maxResponseBytes(10).build()).hasMessageContaining("maxResponseBytes");
        assertThatThrownBy(() -> valid().kvVersion("secret", 3).build()).hasMessageContaining("kvVersion");
        assertThatThrownBy(() -> valid().namespace(" ").build()).hasMessageContaining("namespace");
        assertThatThrownBy(() -> valid().scheme("Bad Scheme").build()).hasMessageContaining("scheme");
        assertThatThrownBy(() -> VaultAuth.appRole("role", "")).hasMessageContaining("secret id");
        assertThatThrownBy(() -> VaultAuth.kubernetes("r").withMount(" ")).hasMessageContaining("mount");
    }

    @Test
    void toString_neverShowsCredentials() {
        VaultSource s =
                valid().auth(VaultAuth.appRole("role-x", "very-secret-id")).build();
        assertThat(s.toString()).doesNotContain("very-secret-id").doesNotContain("role-x");
        assertThat(VaultAuth.appRole("role-x", "very-secret-id").toString()).doesNotContain("role-x");
        assertThat(VaultAuth.token("s.hidden").toString()).doesNotContain("s.hidden");
        assertThat(VaultAuth.userpass("u", "pw-hidden").toString()).doesNotContain("pw-hidden");
        assertThat(VaultAuth.appRoleWrapped("r", "s.wrapped").toString()).doesNotContain("s.wrapped");
        s.close();
    }

    @Test
    void scheme_andName_areConfigurable() {
        VaultSource s = valid().scheme("vault-eu").name("vault-eu-prod").build();
        assertThat(s.scheme()).isEqualTo("vault-eu");
        assertThat(s.name()).isEqualTo("vault-eu-prod");
        assertThat(s.parameters())
                .containsExactlyInAnyOrder(
                        "version", // KV v2
                        "common_name", // PKI issue refs
                        "alt_names",
                        "ip_sans",
                        "uri_sans",
                        "other_sans",
                        "ttl",
                        "exclude_cn_from_sans",
                        "private_key_format",
                        "remove_roots_from_chain");
        s.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"team-a\r\nX-Injected: yes", "team-a\n", "team-a\tb", "team\u0000a", "team\u2028a"})
    void namespace_withControlCharacters_failsAtBuild_namingTheOption_neverEchoingTheValue(String namespace) {
        assertThatThrownBy(() -> valid().namespace(namespace).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("namespace")
                .hasMessageContaining("control characters")
                .hasMessageNotContaining("team");
    }

    @Test
    void namespace_thatAHeaderCannotCarry_failsAtBuild_neverEchoingTheValue() {
        assertThatThrownBy(() -> valid().namespace("équipe a").build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("namespace")
                .hasMessageNotContaining("quipe");
    }

    @Test
    void namespace_withNestedPath_isAccepted() {
        valid().namespace("team-a/orders").build().close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://vault.example.internal\r\nX-Injected: yes:8200",
                "https://vault.example.internal:8200\n",
                "https://vault\u0000.example.internal:8200",
                "https://vault.example\u2029.internal:8200"
            })
    void address_withControlCharacters_failsAtBuild_namingTheOption_neverEchoingTheValue(String address) {
        assertThatThrownBy(() -> valid().address(address).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("address")
                .hasMessageContaining("control characters")
                .hasMessageNotContaining("example");
    }

    @Test
    void name_withControlCharacters_failsAtBuild_neverEchoingTheValue() {
        assertThatThrownBy(() -> valid().name("vault\nINFO forged line").build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("name")
                .hasMessageNotContaining("forged");
    }

    @Test
    void kvVersionMount_withControlCharacters_failsAtBuild_neverEchoingTheValue() {
        assertThatThrownBy(() -> valid().kvVersion("secret\r\nx", 2).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("kvVersion")
                .hasMessageNotContaining("secret\r");
    }
}
