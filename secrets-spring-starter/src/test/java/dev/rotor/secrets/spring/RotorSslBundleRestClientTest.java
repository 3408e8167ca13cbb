package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.spring.internal.SslBundleBinder;
import dev.rotor.secrets.test.FixedRandom;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import dev.rotor.secrets.test.RecordingListener;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.web.client.RestClient;

/**
 * A {@link RestClient} built once from a Rotor SSL bundle ({@code RestClientSsl.fromBundle}, as Boot applications
 * build one) calls a mutual-TLS server with the bundle's client certificate, trusting the server through the bundle's
 * CA. The certificate is a mounted directory ({@code tls.crt}, {@code tls.key}, {@code ca.crt}) that the test renews
 * with the kubelet's {@code ..data} swap; the file source sees it at its next poll on the manual clock. The client
 * built before the renewal presents the new certificate on its next connection, and no request fails, with the JDK's
 * HTTP client and with the others Boot supports that are on the class path.
 */
class RotorSslBundleRestClientTest {
    private final ManualScheduler scheduler = new ManualScheduler();
    private final Instant manualNow = scheduler.clock().now();
    private final RecordingListener events = new RecordingListener();
    // valid on the manual clock (the bundle's checks) and on the system clock (the JDK's, in the handshake)
    private final Instant from =
            (manualNow.isBefore(Instant.now()) ? manualNow : Instant.now()).minus(Duration.ofDays(30));
    private final Instant to =
            (manualNow.isAfter(Instant.now()) ? manualNow : Instant.now()).plus(Duration.ofDays(365));
    private final Pki.Issued ca = Pki.ca("Rotor Test CA", from, to);
    private final Pki.Issued serverIdentity = Pki.leaf(ca, "server", from, to);

    @TempDir
    Path tmp;

    private MtlsServer server;
    private MountedSecretDirectory mount;

    @BeforeEach
    void startServer() throws Exception {
        server = MtlsServer.start(serverIdentity, ca);
        mount = MountedSecretDirectory.in(tmp.resolve("client-tls"));
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    private ApplicationContextRunner runner(String factory) {
        ApplicationContextRunner runner = new ApplicationContextRunner();
        if (factory.equals("jetty")) {
            // Jetty's pool may open a connection ahead of demand (with the certificate of that moment); one connection
            // at most, so that the request after a renewal is on a connection made after it
            runner =
                    runner.withBean(ClientHttpRequestFactoryBuilder.class, () -> ClientHttpRequestFactoryBuilder.jetty()
                            .withHttpClientCustomizer(c -> c.setMaxConnectionsPerDestination(1)));
        }
        return runner.withConfiguration(AutoConfigurations.of(
                        RotorAutoConfiguration.class,
                        RotorSslBundleAutoConfiguration.class,
                        SslAutoConfiguration.class))
                .withConfiguration(AutoConfigurations.of(RestClients.AUTO_CONFIGURATIONS))
                .withBean("events", RecordingListener.class, () -> events)
                .withBean(
                        RotorSecretsCustomizer.class,
                        () -> b -> b.scheduler(scheduler)
                                .executor(ManualScheduler.directExecutor())
                                .random(FixedRandom.of(0.5)))
                .withPropertyValues(
                        "rotor.audit.enabled=false",
                        "rotor.ssl.bundle.client.ref=file:" + mount.dir() + "?format=tls",
                        "rotor.ssl.bundle.client.trust-ref=file:" + mount.dir().resolve("ca.crt"))
                .withPropertyValues(RestClients.properties(factory));
    }

    private static BigInteger call(RestClient client) {
        String body = client.get().uri("/whoami").retrieve().body(String.class);
        return new BigInteger(body.strip(), 16);
    }

    /** The kubelet's swap, then the file source's next poll on the manual clock (every 10 s for a local file). */
    private void renew(Pki.Issued next) {
        mount.write(next.tlsFields(ca));
        scheduler.advance(Duration.ofSeconds(15));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"jdk", "http-components", "jetty"})
    void clientBuiltBeforeTheRenewal_presentsTheRenewedCertificateOnItsNextConnection(String factory) {
        Pki.Issued first = Pki.leaf(ca, "client", from, to);
        Pki.Issued renewed = Pki.leaf(ca, "client", from, to);
        mount.write(first.tlsFields(ca));
        runner(factory).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class)
                            .getClass()
                            .getSimpleName())
                    .as("the client library asked for")
                    .startsWithIgnoringCase(factory.replace("-", ""));
            RestClient client = RestClients.fromBundle(context, "client")
                    .baseUrl(server.url())
                    .build();
            assertThat(call(client)).isEqualTo(first.serial());
            assertThat(call(client)).isEqualTo(first.serial());

            renew(renewed);

            assertThat(context.getBean(SslBundleBinder.class)
                            .bundle("client")
                            .orElseThrow()
                            .certificate()
                            .orElseThrow()
                            .serialNumber())
                    .as("the bundle took the renewal")
                    .isEqualTo(renewed.serial());
            assertThat(call(client))
                    .as("the client built before the renewal, on a new connection")
                    .isEqualTo(renewed.serial());
            RestClient built = RestClients.fromBundle(context, "client")
                    .baseUrl(server.url())
                    .build();
            assertThat(call(built)).as("a client built after it").isEqualTo(renewed.serial());
            assertThat(server.serials())
                    .containsExactly(first.serial(), first.serial(), renewed.serial(), renewed.serial());
            assertThat(events.ofType(SecretEventType.HANDED_OVER))
                    .singleElement()
                    .satisfies(e -> {
                        assertThat(e.source()).contains("client");
                        assertThat(e.errorMessage()).isEmpty();
                    });
        });
    }

    @Test
    void renewalsWhileRequestsRun_noRequestFails_eachSeesAVersionOfTheBundle_thenTheLast() {
        List<Pki.Issued> versions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            versions.add(Pki.leaf(ca, "client", from, to));
        }
        Set<BigInteger> issued = new HashSet<>();
        versions.forEach(v -> issued.add(v.serial()));
        mount.write(versions.get(0).tlsFields(ca));
        runner("jdk").run(context -> {
            RestClient client = RestClients.fromBundle(context, "client")
                    .baseUrl(server.url())
                    .build();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger done = new AtomicInteger();
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    results.add(callers.submit(() -> {
                        int calls = 0;
                        // bounded: at most 200 calls a thread, or until the renewals are done
                        while (!stop.get() && calls < 200) {
                            assertThat(issued).contains(call(client));
                            calls++;
                            done.incrementAndGet();
                        }
                        return calls;
                    }));
                }
                for (Pki.Issued next : versions.subList(1, versions.size())) {
                    // a few requests on the version in service first, so that renewals land among handshakes
                    int target = done.get() + 12;
                    await().atMost(Duration.ofSeconds(30)).until(() -> done.get() >= target);
                    renew(next);
                }
                stop.set(true);
                for (Future<Integer> f : results) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isPositive(); // a failed call fails its thread
                }
            } finally {
                callers.shutdownNow();
                assertThat(callers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            }
            BigInteger last = versions.get(versions.size() - 1).serial();
            assertThat(call(client)).as("after the last renewal").isEqualTo(last);
            assertThat(issued).containsAll(server.serials());
            assertThat(server.serials())
                    .as("requests were answered on more than one version")
                    .contains(versions.get(0).serial(), versions.get(1).serial());
            assertThat(events.ofType(SecretEventType.HANDED_OVER)).hasSize(versions.size() - 1);
        });
    }
}
