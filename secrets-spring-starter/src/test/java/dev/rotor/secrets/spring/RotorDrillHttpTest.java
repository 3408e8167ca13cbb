package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.secrets.SecretChange;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.ConsumerBinding;
import dev.rotor.secrets.consumer.SecretConsumer;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.InMemorySource.Operation;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.RecordingListener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/**
 * The drill operation of the {@code rotor} endpoint over HTTP: a real servlet application on an embedded server bound
 * to 127.0.0.1 on a port the OS picks, with Boot's own auto-configuration (web, Actuator, Rotor) and the endpoint
 * exposed, asked with the JDK's HTTP client. The client runs on a manual scheduler with every task on the calling
 * thread, so a drill is done (re-issued and handed over) before the answer is written.
 */
class RotorDrillHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManualScheduler scheduler = new ManualScheduler();
    private final InMemorySource source = new InMemorySource("mem", scheduler.clock());
    private final RecordingListener events = new RecordingListener();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    RotorDrillHttpTest() {
        source.dynamic(
                "db/creds",
                n -> Map.of("username", "user" + n, "password", Fixture.DYN_PASS + n),
                Duration.ofHours(1),
                Duration.ofHours(3),
                true);
    }

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {}

    private ConfigurableApplicationContext start(String... args) {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.SERVLET);
        app.setBannerMode(Banner.Mode.OFF);
        app.addInitializers(context -> {
            context.getBeanFactory().registerSingleton("inMemorySource", source);
            context.getBeanFactory().registerSingleton("events", events);
            context.getBeanFactory()
                    .registerSingleton("manualTime", (RotorSecretsCustomizer) b -> b.scheduler(scheduler)
                            .executor(ManualScheduler.directExecutor())
                            .random(dev.rotor.secrets.test.FixedRandom.of(0.5)));
        });
        String[] base = {
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--spring.main.register-shutdown-hook=false",
            "--rotor.audit.enabled=false",
            "--management.endpoints.web.exposure.include=rotor",
            // the embedded database Boot would make for the H2 driver on the test class path is not this test's
            "--spring.autoconfigure.exclude="
                    + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
                    + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"
        };
        String[] all = new String[base.length + args.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(args, 0, all, base.length, args.length);
        return app.run(all);
    }

    private static int port(ConfigurableApplicationContext context) {
        Integer port = context.getEnvironment().getProperty("local.server.port", Integer.class);
        assertThat(port)
                .as("the port the embedded server was given")
                .isNotNull()
                .isPositive();
        return port;
    }

    private HttpResponse<String> post(int port, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A consumer that takes every version. */
    private static final class Client implements SecretConsumer {
        volatile String version;

        @Override
        public String name() {
            return "orders-client";
        }

        @Override
        public String kind() {
            return "client";
        }

        @Override
        public void accept(SecretChange change) {
            version = change.current().version();
        }
    }

    @Test
    void postDrill_enabled_reissuesTheSecret_andAnswersTheReportAsJson_withoutValues() throws Exception {
        try (LeakCheck leaks = LeakCheck.start(Fixture.DYN_PASS + "1", Fixture.DYN_PASS + "2");
                ConfigurableApplicationContext context = start("--rotor.endpoint.drill.enabled=true")) {
            Secrets secrets = context.getBean(Secrets.class);
            Client client = new Client();
            ConsumerBinding binding = ConsumerBinding.bind(secrets, client, "mem:db/creds");
            String before = secrets.get("mem:db/creds").version();

            // Actuator reads the body as a map of strings: several refs are one string, separated by commas
            HttpResponse<String> answer =
                    post(port(context), "/actuator/rotor/drill", "{\"refs\":\"mem:db/creds,mem:never/held\"}");

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).contains("json"));
            JsonNode report = JSON.readTree(answer.body());
            // the ref the client does not hold is refused without a store call, so the drill as a whole did not succeed
            assertThat(report.get("succeeded").asBoolean()).isFalse();
            assertThat(report.get("durationMs").isNumber()).isTrue();
            assertThat(report.get("secrets")).hasSize(2);
            JsonNode refused = report.get("secrets").get(1);
            assertThat(refused.get("ref").asText()).isEqualTo("mem:never/held");
            assertThat(refused.get("outcome").asText()).isEqualTo("FAILED");
            assertThat(source.fetches("never/held")).isZero();
            JsonNode secret = report.get("secrets").get(0);
            assertThat(secret.get("ref").asText()).isEqualTo("mem:db/creds");
            assertThat(secret.get("outcome").asText()).isEqualTo("SUCCEEDED");
            assertThat(secret.get("action").asText()).isEqualTo("reissue");
            assertThat(secret.get("previousVersion").asText()).isEqualTo(before);
            assertThat(secret.get("version").asText()).isNotEqualTo(before).isEqualTo(client.version);
            assertThat(secret.get("durationMs").isNumber()).isTrue();
            JsonNode consumer = secret.get("consumers").get(0);
            assertThat(consumer.get("name").asText()).isEqualTo("orders-client");
            assertThat(consumer.get("kind").asText()).isEqualTo("client");
            assertThat(consumer.get("succeeded").asBoolean()).isTrue();
            assertThat(consumer.get("durationMs").isNumber()).isTrue();

            assertThat(secrets.get("mem:db/creds").version()).isEqualTo(client.version);
            assertThat(events.ofType(SecretEventType.DRILL_RESULT)).hasSize(1);
            leaks.check(answer.body(), answer.headers().map());
            leaks.assertNoLeaks();
            binding.close();
        }
    }

    @Test
    void postDrill_withAJsonArray_isRefusedWith400_andNothingRotates() throws Exception {
        try (ConfigurableApplicationContext context = start("--rotor.endpoint.drill.enabled=true")) {
            Secrets secrets = context.getBean(Secrets.class);
            String before = secrets.get("mem:db/creds").version();
            source.resetCounts();

            HttpResponse<String> answer = post(port(context), "/actuator/rotor/drill", "{\"refs\":[\"mem:db/creds\"]}");

            assertThat(answer.statusCode()).isEqualTo(400);
            assertThat(source.count(Operation.FETCH)).isZero();
            assertThat(secrets.get("mem:db/creds").version()).isEqualTo(before);
        }
    }

    @Test
    void postDrill_disabled_isRefusedByBoot_andNothingRotates() throws Exception {
        try (ConfigurableApplicationContext context = start()) {
            Secrets secrets = context.getBean(Secrets.class);
            String before = secrets.get("mem:db/creds").version();
            source.resetCounts();

            HttpResponse<String> answer = post(port(context), "/actuator/rotor/drill", "{\"refs\":[\"mem:db/creds\"]}");

            // the endpoint is exposed (its read answers), but it has no write operation, so no path below it is
            // mapped: Boot answers 404
            assertThat(answer.statusCode()).isEqualTo(404);
            assertThat(answer.body()).doesNotContain(Fixture.DYN_PASS);
            assertThat(source.count(Operation.FETCH)).isZero();
            assertThat(source.count(Operation.REVOKE)).isZero();
            assertThat(secrets.get("mem:db/creds").version()).isEqualTo(before);
            assertThat(events.ofType(SecretEventType.DRILL_STARTED)).isEmpty();
            HttpResponse<String> read = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(context) + "/actuator/rotor"))
                            .timeout(Duration.ofSeconds(30))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.body()).contains("mem:db/creds").doesNotContain(Fixture.DYN_PASS);
        }
    }
}
