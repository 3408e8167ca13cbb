package dev.rotor.secrets.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.file.FileSecretSource;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS under rotation: a JDK {@code HttpsServer} on 127.0.0.1 (an ephemeral port) whose {@code SSLContext} is
 * Rotor's, and four client threads on the JDK {@code HttpClient} sending requests without pause, each on a new
 * connection (the server answers {@code Connection: close}), so that every request makes a handshake. The certificates
 * live in mounted directories ({@code ..data} swaps) read with {@code format=tls}, and are rotated ten times, about a
 * second apart. No request may fail, and every request that starts after a hand-over completed must see the new
 * certificate. Real time, bounded: each phase waits for traffic on the new certificate at most a few seconds.
 *
 * <p>Each scenario prints one {@code TLS-ROTATION:} line: requests, handshakes (connections the server set up: at least
 * one per request, full or, within a phase, resumed), failures, requests that saw
 * an older certificate than they should have, and the delay from each hand-over to the first completed request on the
 * new certificate (median and maximum; an upper bound of the delay to the first handshake, which that request made).
 */
class TlsRotationTest {
    private static final int ROTATIONS = 10;
    private static final int CLIENTS = 4;
    private static final Duration PHASE = Duration.ofMillis(1000);
    private static final int MIN_REQUESTS_PER_PHASE = 10;

    @TempDir
    Path tmp;

    private final Instant now = Instant.now();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(closing);
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private Secrets secrets() {
        Secrets s = Secrets.builder()
                .source(FileSecretSource.builder().build())
                .discoverSources(false)
                .build();
        closing.add(s);
        return s;
    }

    private TestPki.Issued leaf(TestPki.Issued ca, String cn) {
        return TestPki.leaf(ca, cn, now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(1)));
    }

    private static String tls(Path dir) {
        return "file:" + dir + "?format=tls";
    }

    /** One completed request: when it started and ended, the server's serial it saw, the client serial the server saw. */
    private static final class Seen {
        final long started;
        final long ended;
        final BigInteger server;
        final BigInteger client; // null without client authentication

        Seen(long started, long ended, BigInteger server, BigInteger client) {
            this.started = started;
            this.ended = ended;
            this.server = server;
            this.client = client;
        }
    }

    /** A hand-over of key material: when the listener heard of it, and the serial now in service. */
    private static final class HandedOver {
        final long at;
        final BigInteger serial;

        HandedOver(long at, BigInteger serial) {
            this.at = at;
            this.serial = serial;
        }
    }

    /** The server, the clients and what they saw. */
    private final class Load implements AutoCloseable {
        final HttpsServer server;
        final ExecutorService serverThreads = Executors.newFixedThreadPool(4);
        final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        final HttpClient http;
        final URI uri;
        final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();
        final AtomicBoolean stop = new AtomicBoolean();

        Load(RotatingSslContext serverTls, RotatingSslContext clientTls, boolean clientAuth) throws Exception {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.setHttpsConfigurator(new HttpsConfigurator(serverTls.sslContext()) {
                @Override
                public void configure(HttpsParameters params) {
                    handshakes.incrementAndGet(); // the server configures each new connection before its handshake
                    SSLParameters p = getSSLContext().getDefaultSSLParameters();
                    p.setNeedClientAuth(clientAuth);
                    params.setSSLParameters(p);
                }
            });
            server.createContext("/", exchange -> {
                String body = "-";
                if (clientAuth) {
                    SSLSession session = ((HttpsExchange) exchange).getSSLSession();
                    body = ((X509Certificate) session.getPeerCertificates()[0])
                            .getSerialNumber()
                            .toString(16);
                }
                byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Connection", "close");
                exchange.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.setExecutor(serverThreads);
            server.start();
            uri = URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
            http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .sslContext(clientTls.sslContext())
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            for (int i = 0; i < CLIENTS; i++) {
                clients.execute(this::run);
            }
        }

        private void run() {
            HttpRequest request = HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10))
                    .GET()
                    .build();
            while (!stop.get()) {
                long started = System.nanoTime();
                try {
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    long ended = System.nanoTime();
                    if (r.statusCode() != 200) {
                        failures.add("status " + r.statusCode());
                        continue;
                    }
                    SSLSession session = r.sslSession().orElseThrow();
                    BigInteger serverSerial = ((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber();
                    BigInteger clientSerial = r.body().equals("-") ? null : new BigInteger(r.body(), 16);
                    seen.add(new Seen(started, ended, serverSerial, clientSerial));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    failures.add(e.getClass().getName() + ": " + e.getMessage());
                }
            }
        }

        /** Waits (bounded) until a phase has passed and enough requests completed on {@code serial}. */
        void awaitTraffic(Supplier<Long> countOnNew) throws InterruptedException {
            long phaseEnd = System.nanoTime() + PHASE.toNanos();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline
                    && (System.nanoTime() < phaseEnd || countOnNew.get() < MIN_REQUESTS_PER_PHASE)) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }

        /** Stops the clients and waits (bounded) for their last requests. */
        void finish() throws InterruptedException {
            stop.set(true);
            clients.shutdown();
            assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void close() throws Exception {
            finish();
            server.stop(0);
            serverThreads.shutdownNow();
        }
    }

    /**
     * Records the key material hand-overs of one context: when its listener heard of each (right after the swap) and
     * the serial then in service; the version it started with comes first. A hand-over of the trust bundle (the same
     * mounted secret, for mutual TLS) changes no serial and is not recorded again.
     */
    private static final class HandOverLog {
        final List<HandedOver> list = new CopyOnWriteArrayList<>();
        final AtomicReference<RotatingSslContext> context = new AtomicReference<>();

        RotatingSslContext build(RotatingSslContext.Builder b) {
            RotatingSslContext tls = b.onHandOver(h -> {
                        RotatingSslContext c = context.get();
                        if (h.succeeded() && c != null) {
                            record(c.certificate().orElseThrow().getSerialNumber());
                        }
                    })
                    .build();
            context.set(tls);
            record(tls.certificate().orElseThrow().getSerialNumber());
            return tls;
        }

        private synchronized void record(BigInteger serial) {
            if (list.isEmpty() || !list.get(list.size() - 1).serial.equals(serial)) {
                list.add(new HandedOver(System.nanoTime(), serial));
            }
        }

        /** Waits (bounded) until {@code serial} was handed over. */
        void await(BigInteger serial) throws InterruptedException {
            for (int i = 0; i < 1000 && list.stream().noneMatch(h -> h.serial.equals(serial)); i++) {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            assertThat(list).as("hand-overs").anyMatch(h -> h.serial.equals(serial));
        }
    }

    /**
     * Checks that no request that started after hand-over k saw a serial older than k's, and measures, per hand-over,
     * the delay to the first completed request on its serial. Answers {stale count, delays in ns}.
     */
    private static List<Long> check(
            List<HandedOver> handOvers, List<Seen> seen, boolean clientSide, List<String> stale) {
        List<BigInteger> order = new ArrayList<>();
        handOvers.forEach(h -> order.add(h.serial));
        List<Long> delays = new ArrayList<>();
        for (int k = 1; k < handOvers.size(); k++) { // 0 is the version the context started with
            HandedOver h = handOvers.get(k);
            long first = Long.MAX_VALUE;
            for (Seen s : seen) {
                BigInteger serial = clientSide ? s.client : s.server;
                int index = order.indexOf(serial);
                if (s.started > h.at && index < k) {
                    stale.add((clientSide ? "client" : "server") + " serial " + serial.toString(16) + " seen "
                            + (s.started - h.at) / 1000 + " us after hand-over " + k);
                }
                if (index == k && s.ended < first) {
                    first = s.ended;
                }
            }
            assertThat(first).as("a request saw hand-over %d", k).isLessThan(Long.MAX_VALUE);
            delays.add(Math.max(0, first - h.at));
        }
        return delays;
    }

    private static void report(String scenario, Load load, List<Long> delays, List<String> stale) {
        List<Long> sorted = new ArrayList<>(delays);
        Collections.sort(sorted);
        double median = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2) / 1e6;
        double max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6;
        System.out.printf(
                "TLS-ROTATION: scenario=%s rotations=%d clients=%d requests=%d handshakes=%d failedHandshakes=%d"
                        + " failedRequests=%d stale=%d handOverToFirstHandshakeMs(median=%.1f, max=%.1f)%n",
                scenario,
                delays.size(),
                CLIENTS,
                load.seen.size(),
                load.handshakes.get(),
                load.failures.size(),
                load.failures.size(),
                stale.size(),
                median,
                max);
    }

    @Test
    void serverCertificateRotatesUnderLoad_noHandshakeFails_andEveryNewHandshakeSeesTheNewCertificate()
            throws Exception {
        Secrets secrets = secrets();
        TestPki.Issued ca = TestPki.ca("Rotor Test CA", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        MountedSecretDirectory serverDir = MountedSecretDirectory.in(tmp.resolve("server"));
        serverDir.write(leaf(ca, "server").kubernetes(ca));
        MountedSecretDirectory trustDir = MountedSecretDirectory.in(tmp.resolve("trust"));
        trustDir.write(Map.of("ca.crt", ca.certPem()));

        HandOverLog server = new HandOverLog();
        RotatingSslContext serverTls = server.build(RotatingSslContext.builder(secrets)
                .keyMaterial(tls(serverDir.dir()))
                .name("server"));
        closing.add(serverTls);
        RotatingSslContext clientTls = RotatingSslContext.builder(secrets)
                .trust("file:" + trustDir.dir())
                .name("client")
                .build();
        closing.add(clientTls);

        Load load = new Load(serverTls, clientTls, false);
        closing.add(load);
        for (int k = 1; k <= ROTATIONS; k++) {
            TestPki.Issued next = leaf(ca, "server");
            serverDir.write(next.kubernetes(ca));
            secrets.refresh(tls(serverDir.dir()));
            server.await(next.serial());
            load.awaitTraffic(() -> load.seen.stream()
                    .filter(s -> s.server.equals(next.serial()))
                    .count());
        }
        load.finish();
        List<String> stale = new ArrayList<>();
        List<Long> delays = check(server.list, new ArrayList<>(load.seen), false, stale);
        report("server-rotation", load, delays, stale);
        assertThat(load.failures).as("failed requests").isEmpty();
        assertThat(load.handshakes.get()).as("a handshake per request").isGreaterThanOrEqualTo(load.seen.size());
        assertThat(stale)
                .as("requests that saw an old certificate after its hand-over")
                .isEmpty();
        assertThat(delays).hasSize(ROTATIONS);
    }

    @Test
    void mutualTls_bothSidesRotateUnderLoad_noHandshakeFails_andEachSideSeesThePeersNewCertificate() throws Exception {
        Secrets secrets = secrets();
        TestPki.Issued ca = TestPki.ca("Rotor Test CA", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        MountedSecretDirectory serverDir = MountedSecretDirectory.in(tmp.resolve("server"));
        serverDir.write(leaf(ca, "server").kubernetes(ca));
        MountedSecretDirectory clientDir = MountedSecretDirectory.in(tmp.resolve("client"));
        clientDir.write(leaf(ca, "client").kubernetes(ca));

        // each side: its certificate and key, and the CA (ca.crt) of the same mount as the trust for its peer
        HandOverLog server = new HandOverLog();
        RotatingSslContext serverTls = server.build(RotatingSslContext.builder(secrets)
                .keyMaterial(tls(serverDir.dir()))
                .trust(tls(serverDir.dir()))
                .name("server"));
        closing.add(serverTls);
        HandOverLog client = new HandOverLog();
        RotatingSslContext clientTls = client.build(RotatingSslContext.builder(secrets)
                .keyMaterial(tls(clientDir.dir()))
                .trust(tls(clientDir.dir()))
                .name("client"));
        closing.add(clientTls);

        Load load = new Load(serverTls, clientTls, true);
        closing.add(load);
        for (int k = 1; k <= ROTATIONS; k++) {
            boolean serverTurn = k % 2 == 1;
            MountedSecretDirectory dir = serverTurn ? serverDir : clientDir;
            TestPki.Issued next = leaf(ca, serverTurn ? "server" : "client");
            dir.write(next.kubernetes(ca));
            secrets.refresh(tls(dir.dir()));
            (serverTurn ? server : client).await(next.serial());
            load.awaitTraffic(() -> load.seen.stream()
                    .filter(s -> next.serial().equals(serverTurn ? s.server : s.client))
                    .count());
        }
        load.finish();
        List<String> stale = new ArrayList<>();
        List<Long> delays = new ArrayList<>(check(server.list, new ArrayList<>(load.seen), false, stale));
        delays.addAll(check(client.list, new ArrayList<>(load.seen), true, stale));
        report("mutual-tls", load, delays, stale);
        assertThat(load.failures).as("failed requests").isEmpty();
        assertThat(load.handshakes.get()).as("a handshake per request").isGreaterThanOrEqualTo(load.seen.size());
        assertThat(stale)
                .as("requests that saw an old certificate after its hand-over")
                .isEmpty();
        assertThat(delays).hasSize(ROTATIONS);
    }

    @Test
    void caRollover_underLoad_trustHoldsBothCas_serverMovesToTheNewCa_thenTheOldCaIsDropped_noClientFails()
            throws Exception {
        Secrets secrets = secrets();
        TestPki.Issued oldCa =
                TestPki.ca("Rotor CA 2025", now.minus(Duration.ofDays(300)), now.plus(Duration.ofDays(60)));
        TestPki.Issued newCa =
                TestPki.ca("Rotor CA 2026", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(700)));
        MountedSecretDirectory serverDir = MountedSecretDirectory.in(tmp.resolve("server"));
        serverDir.write(leaf(oldCa, "server").kubernetes(oldCa));
        MountedSecretDirectory trustDir = MountedSecretDirectory.in(tmp.resolve("trust"));
        trustDir.write(Map.of("ca.crt", oldCa.certPem()));
        String trustRef = "file:" + trustDir.dir();

        HandOverLog server = new HandOverLog();
        RotatingSslContext serverTls = server.build(RotatingSslContext.builder(secrets)
                .keyMaterial(tls(serverDir.dir()))
                .name("server"));
        closing.add(serverTls);
        RotatingSslContext clientTls = RotatingSslContext.builder(secrets)
                .trust(trustRef)
                .trustOverlap(Duration.ofMinutes(10))
                .name("client")
                .build();
        closing.add(clientTls);

        Load load = new Load(serverTls, clientTls, false);
        closing.add(load);
        for (int k = 1; k <= ROTATIONS; k++) {
            if (k == 2) {
                // the new CA is issued and joins the bundle
                trustDir.write(Map.of("ca.crt", oldCa.certPem() + newCa.certPem()));
                secrets.refresh(trustRef);
                awaitTrusted(clientTls, newCa.certificate);
            }
            if (k == 6) {
                // the server has moved to the new CA: the old one leaves the bundle (and stays trusted for the overlap)
                trustDir.write(Map.of("ca.crt", newCa.certPem()));
                secrets.refresh(trustRef);
                for (int i = 0;
                        i < 500 && clientTls.trustBinding().orElseThrow().handOvers() < 2;
                        i++) {
                    TimeUnit.MILLISECONDS.sleep(5);
                }
                assertThat(clientTls.trustBinding().orElseThrow().handOvers()).isEqualTo(2);
            }
            TestPki.Issued issuer = k < 4 ? oldCa : newCa; // from rotation 4 the server's certificates are the new CA's
            TestPki.Issued next = leaf(issuer, "server");
            serverDir.write(next.kubernetes(issuer));
            secrets.refresh(tls(serverDir.dir()));
            server.await(next.serial());
            load.awaitTraffic(() -> load.seen.stream()
                    .filter(s -> s.server.equals(next.serial()))
                    .count());
        }
        load.finish();
        List<String> stale = new ArrayList<>();
        List<Long> delays = check(server.list, new ArrayList<>(load.seen), false, stale);
        report("ca-rollover", load, delays, stale);
        assertThat(load.failures).as("failed requests").isEmpty();
        assertThat(load.handshakes.get()).as("a handshake per request").isGreaterThanOrEqualTo(load.seen.size());
        assertThat(stale)
                .as("requests that saw an old certificate after its hand-over")
                .isEmpty();
        assertThat(clientTls.trustedCertificates()).containsExactly(newCa.certificate, oldCa.certificate);
    }

    @Test
    void socketFactory_aSocketOpenedAfterAHandOverSeesTheNewCertificate_anOpenOneKeepsItsSession() throws Exception {
        Secrets secrets = secrets();
        TestPki.Issued ca = TestPki.ca("Rotor Test CA", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)));
        MountedSecretDirectory serverDir = MountedSecretDirectory.in(tmp.resolve("server"));
        TestPki.Issued first = leaf(ca, "server");
        serverDir.write(first.kubernetes(ca));
        HandOverLog server = new HandOverLog();
        RotatingSslContext serverTls = server.build(RotatingSslContext.builder(secrets)
                .keyMaterial(tls(serverDir.dir()))
                .name("server"));
        closing.add(serverTls);
        // the client's trust is the server mount's ca.crt; the socket factory is what OkHttp and others take
        RotatingSslContext clientTls = RotatingSslContext.builder(secrets)
                .trust(tls(serverDir.dir()))
                .name("client")
                .build();
        closing.add(clientTls);
        Load load = new Load(serverTls, clientTls, false);
        load.finish(); // the server only: this test opens its own sockets
        closing.add(load);
        int port = load.uri.getPort();

        javax.net.ssl.SSLSocket before = handshake(clientTls, port);
        assertThat(peerSerial(before)).isEqualTo(first.serial());

        // the next certificate has an RSA key, written as OpenSSL's PKCS#1 (BEGIN RSA PRIVATE KEY)
        TestPki.Issued second = TestPki.leaf(
                ca, "server", TestPki.rsa(), now.minus(Duration.ofMinutes(5)), now.plus(Duration.ofDays(1)));
        serverDir.write(Map.of("tls.crt", second.certPem(), "tls.key", second.traditional(), "ca.crt", ca.certPem()));
        secrets.refresh(tls(serverDir.dir()));
        server.await(second.serial());

        try (javax.net.ssl.SSLSocket after = handshake(clientTls, port)) {
            assertThat(peerSerial(after)).isEqualTo(second.serial());
            assertThat(after.getSession()
                            .getPeerCertificates()[0]
                            .getPublicKey()
                            .getAlgorithm())
                    .isEqualTo("RSA");
            assertThat(get(after)).startsWith("HTTP/1.1 200");
        }
        // the connection made before the hand-over keeps its session, and still works
        assertThat(peerSerial(before)).isEqualTo(first.serial());
        assertThat(get(before)).startsWith("HTTP/1.1 200");
        before.close();
    }

    private static javax.net.ssl.SSLSocket handshake(RotatingSslContext tls, int port) throws Exception {
        javax.net.ssl.SSLSocket socket =
                (javax.net.ssl.SSLSocket) tls.socketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        SSLParameters p = socket.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(p);
        socket.startHandshake();
        return socket;
    }

    private static BigInteger peerSerial(javax.net.ssl.SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    private static String get(javax.net.ssl.SSLSocket socket) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        byte[] line = new byte[15];
        int n = socket.getInputStream().readNBytes(line, 0, line.length);
        return new String(line, 0, n, StandardCharsets.US_ASCII);
    }

    private static void awaitTrusted(RotatingSslContext tls, X509Certificate ca) throws InterruptedException {
        for (int i = 0; i < 500 && !tls.trustedCertificates().contains(ca); i++) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
        assertThat(tls.trustedCertificates()).contains(ca);
    }
}
