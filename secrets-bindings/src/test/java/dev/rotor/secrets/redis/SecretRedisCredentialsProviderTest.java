package dev.rotor.secrets.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.jdbc.CredentialFields;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Lettuce credentials provider against a real Redis server: users and passwords are changed with {@code ACL
 * SETUSER} while the secret rotates in the source, and both new and open connections are shown to be on the new
 * credentials.
 */
class SecretRedisCredentialsProviderTest {
    private static final String REF = "mem:cache/app";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final List<HandOver> handOvers = new ArrayList<>();
    private RedisServer server;
    private Secrets secrets;
    private RedisClient client;

    static String newPassword() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "pw" + HexFormat.of().formatHex(b);
    }

    @BeforeEach
    void start() throws Exception {
        server = RedisServer.start();
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .build();
    }

    @AfterEach
    void stop() {
        try {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
            }
            secrets.close();
        } finally {
            server.close();
        }
    }

    private RedisClient client(SecretRedisCredentialsProvider credentials) {
        RedisURI uri = RedisURI.builder()
                .withHost("127.0.0.1")
                .withPort(server.port())
                .withAuthentication(credentials)
                .withTimeout(Duration.ofSeconds(5))
                .build();
        client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .reauthenticateBehavior(ClientOptions.ReauthenticateBehavior.ON_NEW_CREDENTIALS)
                .build());
        return client;
    }

    private void user(String name, String password) throws IOException {
        assertThat(server.command("ACL", "SETUSER", name, "on", ">" + password, "~*", "&*", "+@all"))
                .isEqualTo("OK");
    }

    @Test
    void passwordRotation_newAndOpenConnectionsUseTheNewPassword_andTheOldOneIsRefusedOnceRemoved() throws Exception {
        String first = newPassword();
        String second = newPassword();
        user("app", first);
        source.putFields("cache/app", Map.of("username", "app", "password", first));
        SecretRedisCredentialsProvider credentials = SecretRedisCredentialsProvider.builder(secrets, REF)
                .name("sessions")
                .onHandOver(handOvers::add)
                .bind();
        StatefulRedisConnection<String, String> open = client(credentials).connect();
        assertThat(open.sync().set("greeting", "hello")).isEqualTo("OK");
        long authsBefore = server.authCalls();

        // the operator adds the new password, the store publishes it, Rotor hands it over
        assertThat(server.command("ACL", "SETUSER", "app", ">" + second)).isEqualTo("OK");
        source.putFields("cache/app", Map.of("username", "app", "password", second));
        secrets.refresh(REF);

        assertThat(credentials.handOvers()).isEqualTo(2);
        HandOver last = handOvers.get(handOvers.size() - 1);
        assertThat(last.succeeded()).isTrue();
        assertThat(last.target()).isEqualTo("sessions");
        assertThat(last.previousVersion()).isPresent();
        // the open connection sends AUTH with the new password on its own
        awaitTrue(() -> server.authCalls() > authsBefore);
        assertThat(credentials.resolveCredentials().block(Duration.ofSeconds(5)).getPassword())
                .isEqualTo(second.toCharArray());

        // hand-over done: the old password goes
        assertThat(server.command("ACL", "SETUSER", "app", "<" + first)).isEqualTo("OK");
        assertThat(server.commandAs("app", first, "PING")).startsWith("-WRONGPASS");
        assertThat(server.commandAs("app", second, "PING")).isEqualTo("PONG");

        // the open connection still works, a new one logs in with the new password
        assertThat(open.sync().get("greeting")).isEqualTo("hello");
        try (StatefulRedisConnection<String, String> fresh = client.connect()) {
            assertThat(fresh.sync().get("greeting")).isEqualTo("hello");
        }
        // and a dropped connection reconnects on the new password
        assertThat(server.command("CLIENT", "KILL", "USER", "app")).isNotEqualTo("0");
        assertThat(open.sync().get("greeting")).isEqualTo("hello");
        open.close();
    }

    @Test
    void userSwitch_openConnectionReauthenticatesAsTheNewUser() throws Exception {
        String a = newPassword();
        String b = newPassword();
        user("app_a", a);
        user("app_b", b);
        source.putFields("cache/app", Map.of("user", "app_a", "pass", a));
        SecretRedisCredentialsProvider credentials = SecretRedisCredentialsProvider.builder(secrets, REF)
                .fields(CredentialFields.of("user", "pass"))
                .bind();
        StatefulRedisConnection<String, String> open = client(credentials).connect();
        assertThat(open.sync().aclWhoami()).isEqualTo("app_a");

        source.putFields("cache/app", Map.of("user", "app_b", "pass", b));
        secrets.refresh(REF);

        awaitTrue(() -> "app_b".equals(open.sync().aclWhoami()));
        // deleting the old user kills its connections: the open one is no longer among them
        assertThat(server.command("ACL", "DELUSER", "app_a")).isEqualTo("1");
        assertThat(open.sync().aclWhoami()).isEqualTo("app_b");
        assertThat(open.sync().ping()).isEqualTo("PONG");
        open.close();
    }

    @Test
    void versionWithoutPassword_isRefused_andConnectionsKeepTheirCredentials() throws Exception {
        String first = newPassword();
        user("app", first);
        source.putFields("cache/app", Map.of("username", "app", "password", first));
        SecretRedisCredentialsProvider credentials = SecretRedisCredentialsProvider.builder(secrets, REF)
                .onHandOver(handOvers::add)
                .bind();
        String version = credentials.version().orElseThrow();
        StatefulRedisConnection<String, String> open = client(credentials).connect();

        source.putFields("cache/app", Map.of("username", "app", "pasword", newPassword()));
        secrets.refresh(REF);

        assertThat(credentials.refused()).isEqualTo(1);
        assertThat(credentials.version()).contains(version);
        assertThat(handOvers.get(handOvers.size() - 1).failure()).contains("field 'password' missing");
        RedisCredentials served = credentials.resolveCredentials().block(Duration.ofSeconds(5));
        assertThat(served.getPassword()).isEqualTo(first.toCharArray());
        try (StatefulRedisConnection<String, String> fresh = client.connect()) {
            assertThat(fresh.sync().ping()).isEqualTo("PONG");
        }
        assertThat(open.sync().ping()).isEqualTo("PONG");
        open.close();
    }

    @Test
    void passwordOnly_authenticatesTheDefaultUser() throws Exception {
        String first = newPassword();
        source.putFields("cache/app", Map.of("password", first));
        assertThat(server.command("CONFIG", "SET", "requirepass", first)).isEqualTo("OK");
        SecretRedisCredentialsProvider credentials = SecretRedisCredentialsProvider.builder(secrets, REF)
                .passwordOnly("password")
                .bind();
        try (StatefulRedisConnection<String, String> c = client(credentials).connect()) {
            assertThat(c.sync().aclWhoami()).isEqualTo("default");
        }
        assertThat(credentials.toString()).doesNotContain(first);
    }

    @Test
    void credentialsStream_replaysTheLatestVersion_andCompletesOnClose() {
        source.putFields("cache/app", Map.of("username", "app", "password", newPassword()));
        SecretRedisCredentialsProvider credentials =
                SecretRedisCredentialsProvider.builder(secrets, REF).bind();
        assertThat(credentials.supportsStreaming()).isTrue();
        RedisCredentials latest = credentials.credentials().blockFirst(Duration.ofSeconds(5));
        assertThat(latest.getUsername()).isEqualTo("app");
        credentials.close();
        assertThat(credentials.credentials().collectList().block(Duration.ofSeconds(5)))
                .hasSize(1);
    }

    /** Waits (at most 5 s) for a condition that another thread makes true. */
    static void awaitTrue(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
