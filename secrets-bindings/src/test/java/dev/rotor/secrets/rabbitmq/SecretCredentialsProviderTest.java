package dev.rotor.secrets.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.AuthenticationFailureException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.ManualScheduler;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The RabbitMQ credentials provider against a real broker: the user's password is changed with {@code rabbitmqctl
 * change_password} while the secret rotates in the source.
 */
class SecretCredentialsProviderTest {
    private static final String REF = "mem:mq/app";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static RabbitBroker broker;
    private static int users;

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final List<HandOver> handOvers = new ArrayList<>();
    private final List<Connection> connections = new ArrayList<>();
    private Secrets secrets;
    private String user;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = RabbitBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    static String newPassword() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "pw" + HexFormat.of().formatHex(b);
    }

    @BeforeEach
    void start() {
        user = "app" + (++users);
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        for (Connection c : connections) {
            if (c.isOpen()) {
                c.close(5_000);
            }
        }
        secrets.close();
    }

    private ConnectionFactory factory(SecretCredentialsProvider credentials) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(broker.port());
        f.setConnectionTimeout(5_000);
        f.setHandshakeTimeout(5_000);
        f.setAutomaticRecoveryEnabled(false);
        f.setCredentialsProvider(credentials);
        f.setCredentialsRefreshService(credentials.refreshService());
        return f;
    }

    private Connection open(ConnectionFactory f) throws Exception {
        Connection c = f.newConnection();
        connections.add(c);
        return c;
    }

    /** Publishes one message to a new queue and reads it back: the connection works. */
    private static void roundTrip(Connection c) throws Exception {
        try (Channel ch = c.createChannel()) {
            String q = ch.queueDeclare().getQueue();
            ch.basicPublish("", q, null, "hello".getBytes(StandardCharsets.UTF_8));
            GetResponse r = null;
            for (int i = 0; i < 100 && r == null; i++) {
                r = ch.basicGet(q, true);
                if (r == null) {
                    TimeUnit.MILLISECONDS.sleep(10);
                }
            }
            assertThat(r).isNotNull();
            assertThat(new String(r.getBody(), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
    }

    private static Throwable loginWith(String user, String password) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(broker.port());
        f.setConnectionTimeout(5_000);
        f.setAutomaticRecoveryEnabled(false);
        f.setUsername(user);
        f.setPassword(password);
        return catchThrowable(() -> f.newConnection().close());
    }

    @Test
    void passwordRotation_newConnectionsUseTheNewPassword_openOnesKeepWorking() throws Exception {
        String first = newPassword();
        String second = newPassword();
        broker.addUser(user, first);
        source.putFields("mq/app", Map.of("username", user, "password", first));
        SecretCredentialsProvider credentials = SecretCredentialsProvider.builder(secrets, REF)
                .name("orders-mq")
                .onHandOver(handOvers::add)
                .bind();
        ConnectionFactory factory = factory(credentials);
        Connection before = open(factory);
        roundTrip(before);
        assertThat(credentials.getTimeBeforeExpiration()).isNull(); // no lease: nothing to register
        assertThat(credentials.registeredConnections()).isZero();

        broker.changePassword(user, second);
        source.putFields("mq/app", Map.of("username", user, "password", second));
        secrets.refresh(REF);

        assertThat(credentials.handOvers()).isEqualTo(2);
        assertThat(handOvers.get(1).target()).isEqualTo("orders-mq");
        assertThat(credentials.getPassword()).isEqualTo(second);
        roundTrip(open(factory));
        roundTrip(before);
        assertThat(loginWith(user, first)).isInstanceOf(AuthenticationFailureException.class);
        assertThat(loginWith(user, second)).isNull();
    }

    @Test
    void leasedCredentials_timeBeforeExpirationFollowsTheLease_andNewVersionsArePushedToOpenConnections()
            throws Exception {
        broker.addUser(user, "unset" + newPassword());
        // a dynamic secret: each fetch sets a new password on the broker, as a store's secrets engine would
        source.dynamic(
                "mq/app",
                n -> {
                    String password = "pw" + n + newPassword();
                    broker.changePassword(user, password);
                    return Map.of("username", user, "password", password);
                },
                Duration.ofHours(1),
                Duration.ofHours(3),
                true);
        SecretCredentialsProvider credentials =
                SecretCredentialsProvider.builder(secrets, REF).bind();
        assertThat(credentials.getTimeBeforeExpiration()).isEqualTo(Duration.ofHours(1));
        scheduler.clock().advance(Duration.ofMinutes(20));
        assertThat(credentials.getTimeBeforeExpiration()).isEqualTo(Duration.ofMinutes(40));
        assertThat(credentials.refreshService().isApproachingExpiration(Duration.ofSeconds(1)))
                .isFalse();

        Connection open = open(factory(credentials));
        roundTrip(open);
        assertThat(credentials.registeredConnections()).isEqualTo(1);

        secrets.refresh(REF); // a new lease: a new password on the broker and in Rotor

        assertThat(credentials.handOvers()).isEqualTo(2);
        awaitTrue(() -> credentials.pushes() == 1);
        assertThat(open.isOpen()).isTrue();
        roundTrip(open);
        roundTrip(open(factory(credentials)));
        assertThat(credentials.getTimeBeforeExpiration()).isEqualTo(Duration.ofHours(1));

        open.close(5_000);
        credentials.close();
        assertThat(credentials.registeredConnections()).isZero();
    }

    @Test
    void versionWithoutPassword_isRefused_andTheProviderKeepsItsCredentials() throws Exception {
        String first = newPassword();
        broker.addUser(user, first);
        source.putFields("mq/app", Map.of("username", user, "password", first));
        SecretCredentialsProvider credentials = SecretCredentialsProvider.builder(secrets, REF)
                .onHandOver(handOvers::add)
                .bind();
        source.putFields("mq/app", Map.of("username", user));
        secrets.refresh(REF);

        assertThat(credentials.refused()).isEqualTo(1);
        assertThat(handOvers.get(handOvers.size() - 1).failure()).contains("field 'password' missing");
        assertThat(credentials.getPassword()).isEqualTo(first);
        roundTrip(open(factory(credentials)));
    }

    static void awaitTrue(Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.call()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("condition not met within 10 s");
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}
