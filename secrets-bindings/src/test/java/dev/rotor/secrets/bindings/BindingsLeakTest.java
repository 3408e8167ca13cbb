package dev.rotor.secrets.bindings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.http.SecretHeader;
import dev.rotor.secrets.http.SecretHeaderHttpClient;
import dev.rotor.secrets.http.SecretHeaderInterceptor;
import dev.rotor.secrets.http.TokenApi;
import dev.rotor.secrets.r2dbc.RotatingConnectionPool;
import dev.rotor.secrets.rabbitmq.RabbitBroker;
import dev.rotor.secrets.rabbitmq.SecretCredentialsProvider;
import dev.rotor.secrets.redis.RedisServer;
import dev.rotor.secrets.redis.SecretRedisCredentialsProvider;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.r2dbc.spi.ConnectionFactoryOptions;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Plants known passwords, keys and tokens, drives each binding through a rotation and its fault paths (missing
 * fields, refused logins, rejected keys with nothing newer in the store), with every logger at TRACE (the clients'
 * own included), and scans the logs, standard streams, events, exceptions, hand-overs and toStrings for them.
 */
class BindingsLeakTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final List<HandOver> handOvers = new ArrayList<>();
    private final String first = planted("first");
    private final String second = planted("second");
    private final String wrong = planted("wrong");
    private LeakCheck leaks;
    private Secrets secrets;

    private static String planted(String what) {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return "PLANTED" + what + HexFormat.of().formatHex(b);
    }

    @BeforeEach
    void capture() {
        // Lettuce's CommandEncoder prints every command it writes, AUTH's password included, at TRACE: a client's
        // wire dump that Rotor cannot mask (the README says to keep that logger below TRACE); every other logger is
        // scanned
        leaks = LeakCheck.builder()
                .plant(first, second, wrong)
                .ignoreLoggers("io.lettuce.core.protocol.CommandEncoder")
                .start();
        secrets = Secrets.builder()
                .source(source)
                .discoverSources(false)
                .scheduler(scheduler)
                .executor(ManualScheduler.directExecutor())
                .eventListener(leaks)
                .build();
    }

    @AfterEach
    void scan() {
        try {
            leaks.check(handOvers);
            secrets.close();
            assertThat(leaks.logLines()).as("the bindings logged").isNotEmpty();
        } finally {
            leaks.close();
        }
    }

    @Test
    void redis_rotationAndFaults_neverShowAPassword() throws Exception {
        try (RedisServer server = RedisServer.start()) {
            server.command("ACL", "SETUSER", "app", "on", ">" + first, ">" + second, "~*", "+@all");
            source.putFields("cache/app", Map.of("username", "app", "password", first));
            SecretRedisCredentialsProvider credentials = SecretRedisCredentialsProvider.builder(
                            secrets, "mem:cache/app")
                    .onHandOver(handOvers::add)
                    .bind();
            RedisClient client = RedisClient.create(RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(server.port())
                    .withAuthentication(credentials)
                    .withTimeout(Duration.ofSeconds(5))
                    .build());
            client.setOptions(ClientOptions.builder()
                    .reauthenticateBehavior(ClientOptions.ReauthenticateBehavior.ON_NEW_CREDENTIALS)
                    .build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.sync().ping();
                source.putFields("cache/app", Map.of("username", "app", "password", second));
                secrets.refresh("mem:cache/app");
                source.putFields("cache/app", Map.of("username", "app", "pass", wrong));
                secrets.refresh("mem:cache/app");
                c.sync().ping();
                // a version the server refuses: new connections fail to log in
                source.putFields("cache/app", Map.of("username", "app", "password", wrong));
                secrets.refresh("mem:cache/app");
                leaks.check(catchThrowable(() -> client.connect().sync().ping()));
                leaks.check(
                        credentials,
                        credentials.resolveCredentials().block(Duration.ofSeconds(5)),
                        credentials.credentials().blockFirst(Duration.ofSeconds(5)));
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
            }
            assertThat(credentials.refused()).isEqualTo(1);
        }
    }

    @Test
    void http_rotationAndFaults_neverShowAKey() throws Exception {
        try (TokenApi api = TokenApi.start("Authorization", "Bearer ")) {
            api.issue(first);
            source.putFields("api/billing", Map.of("token", first));
            SecretHeader bearer = SecretHeader.bearer(secrets, "mem:api/billing#token")
                    .onHandOver(handOvers::add)
                    .bind();
            OkHttpClient okhttp = new OkHttpClient.Builder()
                    .addInterceptor(SecretHeaderInterceptor.of(bearer))
                    .callTimeout(Duration.ofSeconds(5))
                    .build();
            SecretHeaderHttpClient jdk = SecretHeaderHttpClient.of(HttpClient.newHttpClient(), bearer);
            try {
                Request items =
                        new Request.Builder().url(api.uri("/items").toString()).build();
                // rotated: 401, one refresh, retried
                api.issue(second);
                api.revoke(first);
                source.putFields("api/billing", Map.of("token", second));
                try (Response r = okhttp.newCall(items).execute()) {
                    assertThat(r.code()).isEqualTo(200);
                    // not OkHttp's Request.toString(): it prints headers unmasked (the README warns)
                    leaks.check(r.toString());
                }
                // revoked with nothing newer in the store: the 401 comes back
                api.revoke(second);
                try (Response r = okhttp.newCall(items).execute()) {
                    assertThat(r.code()).isEqualTo(401);
                }
                HttpResponse<String> r = jdk.send(
                        HttpRequest.newBuilder(api.uri("/items"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(401);
                // a version without the field, and one that is not a header value
                source.putFields("api/billing", Map.of("tokn", wrong));
                secrets.refresh("mem:api/billing");
                source.putFields("api/billing", Map.of("token", wrong + "\r\nX: y"));
                secrets.refresh("mem:api/billing");
                source.failNext(1, () -> new IllegalStateException("store said " + wrong));
                leaks.check(bearer.afterRejection(bearer.value()));
                leaks.check(bearer, SecretHeaderInterceptor.of(bearer), jdk);
            } finally {
                okhttp.dispatcher().executorService().shutdown();
                okhttp.connectionPool().evictAll();
            }
            assertThat(bearer.refused()).isEqualTo(2);
        }
    }

    @Test
    void r2dbc_rotationAndFaults_neverShowAPassword() throws Exception {
        String db = "r2leak" + ProcessHandle.current().pid();
        try (java.sql.Connection admin =
                DriverManager.getConnection("jdbc:h2:mem:" + db + ";DB_CLOSE_DELAY=-1", "sa", "")) {
            try (Statement s = admin.createStatement()) {
                s.execute("CREATE USER APP PASSWORD '" + first + "'");
            }
            source.putFields("db/app", Map.of("username", "APP", "password", first));
            RotatingConnectionPool pool = RotatingConnectionPool.builder(
                            secrets,
                            "mem:db/app",
                            ConnectionFactoryOptions.builder()
                                    .option(ConnectionFactoryOptions.DRIVER, "h2")
                                    .option(ConnectionFactoryOptions.PROTOCOL, "mem")
                                    .option(ConnectionFactoryOptions.DATABASE, db)
                                    .build())
                    .validateBeforeSwap(true)
                    .onHandOver(handOvers::add)
                    .bind();
            try {
                source.putFields("db/app", Map.of("username", "APP", "password", wrong)); // refused login
                secrets.refresh("mem:db/app");
                source.putFields("db/app", Map.of("username", "APP", "pasword", wrong)); // missing field
                secrets.refresh("mem:db/app");
                try (Statement s = admin.createStatement()) {
                    s.execute("ALTER USER APP SET PASSWORD '" + second + "'");
                }
                source.putFields("db/app", Map.of("username", "APP", "password", second));
                secrets.refresh("mem:db/app");
                io.r2dbc.spi.Connection c = pool.create().block(Duration.ofSeconds(10));
                Mono.from(c.close()).block(Duration.ofSeconds(10));
                leaks.check(pool, pool.metrics());
                assertThat(pool.refused()).isEqualTo(2);
            } finally {
                pool.close().block(Duration.ofSeconds(10));
                try (Statement s = admin.createStatement()) {
                    s.execute("SHUTDOWN");
                }
            }
        }
    }

    @Test
    void rabbitmq_rotationAndFaults_neverShowAPassword() throws Exception {
        try (RabbitBroker broker = RabbitBroker.start()) {
            broker.addUser("app", first);
            source.putFields("mq/app", Map.of("username", "app", "password", first));
            SecretCredentialsProvider credentials = SecretCredentialsProvider.builder(secrets, "mem:mq/app")
                    .onHandOver(handOvers::add)
                    .bind();
            ConnectionFactory factory = new ConnectionFactory();
            factory.setHost("127.0.0.1");
            factory.setPort(broker.port());
            factory.setConnectionTimeout(5_000);
            factory.setAutomaticRecoveryEnabled(false);
            factory.setCredentialsProvider(credentials);
            factory.setCredentialsRefreshService(credentials.refreshService());
            Connection c = factory.newConnection();
            try {
                broker.changePassword("app", second);
                source.putFields("mq/app", Map.of("username", "app", "password", second));
                secrets.refresh("mem:mq/app");
                source.putFields("mq/app", Map.of("username", "app"));
                secrets.refresh("mem:mq/app");
                source.putFields("mq/app", Map.of("username", "app", "password", wrong));
                secrets.refresh("mem:mq/app");
                leaks.check(catchThrowable(() -> factory.newConnection().close()));
                leaks.check(credentials, credentials.refreshService(), c, factory);
            } finally {
                c.close(5_000);
                credentials.close();
            }
            assertThat(credentials.refused()).isEqualTo(1);
        }
    }
}
