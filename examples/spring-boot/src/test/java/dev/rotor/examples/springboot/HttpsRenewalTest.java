package dev.rotor.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.Secrets;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The application with the profile {@code tls} on a random loopback port: it serves HTTPS from the SSL bundle {@code
 * web}, read from a certificate directory this test writes the way cert-manager does ({@code tls.crt}, {@code tls.key},
 * {@code ca.crt}, swapped through {@code ..data}) with a test CA. A client that trusts only that CA connects before and
 * after a renewal: the certificate's serial changes, without a restart, and the database behind the request still
 * answers (the pool's own rotation keeps running).
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"server.address=127.0.0.1", "rotor.refresh.poll-interval=200ms"})
@ActiveProfiles("tls")
class HttpsRenewalTest {
    private static final Instant NOW = Instant.now();
    private static final TestCa.Issued CA =
            TestCa.ca("Rotor Example CA", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)));
    private static final TestCa.Issued FIRST =
            TestCa.leaf(CA, "localhost", NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(30)));
    private static final TestCa.Issued RENEWED =
            TestCa.leaf(CA, "localhost", NOW.minus(Duration.ofMinutes(1)), NOW.plus(Duration.ofDays(30)));
    private static final Path SECRET_DIR = tempDir("rotor-spring-boot-db");
    private static final Path TLS_DIR = tempDir("rotor-spring-boot-tls");
    private static int generation;

    static {
        writeCertificate(FIRST);
    }

    @DynamicPropertySource
    static void dirs(DynamicPropertyRegistry registry) {
        registry.add("demo.secret-dir", SECRET_DIR::toString);
        registry.add("demo.tls-dir", TLS_DIR::toString);
    }

    private static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** What cert-manager's CSI driver or the kubelet does: a new generation, then one atomic rename of ..data. */
    private static synchronized void writeCertificate(TestCa.Issued leaf) {
        try {
            generation++;
            Path next = Files.createDirectory(TLS_DIR.resolve("..gen_" + generation));
            for (Map.Entry<String, String> f : leaf.tlsFields(CA).entrySet()) {
                Files.writeString(next.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
            }
            Path link = TLS_DIR.resolve("..data_tmp");
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, next.getFileName());
            Files.move(link, TLS_DIR.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
            for (String name : new String[] {"tls.crt", "tls.key", "ca.crt"}) {
                if (!Files.isSymbolicLink(TLS_DIR.resolve(name))) {
                    Files.createSymbolicLink(TLS_DIR.resolve(name), Path.of("..data", name));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void removeDirs() throws Exception {
        for (Path dir : new Path[] {SECRET_DIR, TLS_DIR}) {
            try (var paths = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    Secrets secrets;

    /** A client that trusts the test CA only: a new client per call, so every call makes a new connection. */
    private static HttpClient client() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", CA.certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder()
                .sslContext(context)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client().send(
                        java.net.http.HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static BigInteger serial(HttpResponse<?> response) throws Exception {
        return ((X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    void https_beforeAndAfterARenewal_theServerPresentsTheNewCertificate() throws Exception {
        String ref = "file:" + TLS_DIR + "?format=tls";
        HttpResponse<String> before = get("/accounts/count");
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(before.body()).isEqualTo("{\"count\":1000}");
        assertThat(serial(before)).isEqualTo(FIRST.serial());

        CountDownLatch handedOver = new CountDownLatch(1);
        AtomicReference<Duration> handOver = new AtomicReference<>();
        secrets.addEventListener(e -> {
            if (e.type() == SecretEventType.HANDED_OVER
                    && e.source().filter("web"::equals).isPresent()
                    && e.errorMessage().isEmpty()) {
                handOver.set(e.duration().orElse(Duration.ZERO));
                handedOver.countDown();
            }
        });
        long t0 = System.nanoTime();
        writeCertificate(RENEWED); // cert-manager renews: the poll picks it up; the refresh only does not wait for it
        secrets.refresh(ref);
        assertThat(handedOver.await(30, TimeUnit.SECONDS))
                .as("the renewal reached the bundle")
                .isTrue();
        long renewedAfter = System.nanoTime() - t0;
        HttpResponse<String> after = get("/accounts/count");

        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).isEqualTo("{\"count\":1000}");
        assertThat(serial(after)).isEqualTo(RENEWED.serial()).isNotEqualTo(serial(before));
        System.out.printf(
                "HTTPS-RENEWAL serial before=%s after=%s renewal written to bundle updated in %.1f ms (hand-over %.1f ms)%n",
                serial(before).toString(16),
                serial(after).toString(16),
                renewedAfter / 1e6,
                handOver.get().toNanos() / 1e6);
    }
}
