package dev.rotor.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole application on a random loopback port: clients call {@code GET /accounts/count} from several threads
 * without pause for about ten seconds while the credentials rotate every two seconds (real password changes on the
 * H2 server). No request may fail, every rotation must reach the pool before its old user is disabled, and Actuator
 * must show the secret without any password.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "server.address=127.0.0.1",
            "demo.rotate-every=2s",
            "demo.grace=1s",
            "rotor.refresh.poll-interval=200ms"
        })
class RotatingCredentialsTest {
    private static final int CLIENTS = 4;
    private static final Duration RUN = Duration.ofSeconds(10);
    private static final long MAX_REQUESTS_PER_CLIENT = 2_000_000;
    private static final Path SECRET_DIR = tempDir();

    @DynamicPropertySource
    static void secretDir(DynamicPropertyRegistry registry) {
        registry.add("demo.secret-dir", SECRET_DIR::toString);
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("rotor-spring-boot-test");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void removeSecretDir() throws Exception {
        try (var paths = Files.walk(SECRET_DIR)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    CredentialRotator rotator;

    @Autowired
    HandOverLog handOvers;

    @Autowired
    Secrets secrets;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void accounts_requestsWhileCredentialsRotate_noneFailsAndEveryRotationReachesThePool() throws Exception {
        LongAdder ok = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        long deadline = System.nanoTime() + RUN.toNanos();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            running.add(clients.submit(() -> {
                for (long n = 0; n < MAX_REQUESTS_PER_CLIENT && System.nanoTime() < deadline; n++) {
                    try {
                        HttpResponse<String> r = get("/accounts/count");
                        if (r.statusCode() == 200 && r.body().equals("{\"count\":1000}")) {
                            ok.increment();
                        } else {
                            failed.increment();
                            firstFailure.compareAndSet(null, r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failed.increment();
                        firstFailure.compareAndSet(null, e.toString());
                    }
                }
            }));
        }
        for (Future<?> f : running) {
            f.get(RUN.toSeconds() + 30, TimeUnit.SECONDS);
        }
        clients.shutdown();
        rotator.stop(); // lets the last rotation's grace period end and checks it

        assertThat(failed.sum())
                .as("failed requests (first: %s)", firstFailure.get())
                .isZero();
        assertThat(ok.sum()).isGreaterThan(100);
        assertThat(rotator.rotations()).as("rotations in %s", RUN).isGreaterThanOrEqualTo(4);
        assertThat(rotator.missed())
                .as("rotations the pool had not picked up in time")
                .isZero();
        assertThat(handOvers.succeeded()).isEqualTo(rotator.rotations());
        assertThat(handOvers.refused()).isZero();

        HttpResponse<String> health = get("/actuator/health");
        HttpResponse<String> rotor = get("/actuator/rotor");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(rotor.statusCode()).isEqualTo(200);
        String secretRef = "file:" + SECRET_DIR;
        // the health lists secrets only while they have problems; here it counts the one it watches
        assertThat(health.body()).contains("\"rotor\":{\"details\":{\"rotor\":\"UP\",\"secrets\":1");
        assertThat(rotor.body()).contains(secretRef).contains("accounts-team");
        // the bound pool, by its HikariCP name: on the secret's newest version (no rotation was refused)
        assertThat(health.body()).contains("\"pools\":[{\"pool\":\"accounts\",\"ref\":\"" + secretRef + "\"");
        assertThat(health.body()).contains("\"state\":\"IN_SYNC\"").doesNotContain("BEHIND");
        assertThat(rotor.body())
                .contains("\"version\":\"" + secrets.get(secretRef).version() + "\"");
        List<String> planted = rotator.issuedPasswords();
        assertThat(planted).hasSizeGreaterThan(rotator.rotations());
        for (String password : planted) {
            assertThat(health.body()).doesNotContain(password);
            assertThat(rotor.body()).doesNotContain(password);
        }
    }
}
