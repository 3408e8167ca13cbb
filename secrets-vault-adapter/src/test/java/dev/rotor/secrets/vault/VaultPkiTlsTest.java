package dev.rotor.secrets.vault;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.consumer.HandOver;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.vault.VaultFake;
import dev.rotor.secrets.test.vault.VaultFake.IssuedCertificate;
import dev.rotor.secrets.tls.CertificateBundle;
import dev.rotor.secrets.tls.RotatingSslContext;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS handshakes on 127.0.0.1 with certificates of the test kit's fake PKI engine, on the system clock (the JDK
 * checks a peer's certificate against it): a JDK {@link HttpsServer} serving a certificate Vault issued, through
 * {@link RotatingSslContext}, moves to the re-issued one; and the Vault connection's own client certificate, read from
 * files, is replaced by new files for the next connection.
 */
class VaultPkiTlsTest {
    @TempDir
    Path dir;

    private VaultFake vault;
    private Secrets secrets;
    private HttpsServer server;

    @BeforeEach
    void pki() {
        vault = VaultFake.start();
        vault.pkiMount("pki");
        vault.pkiRole("server", List.of("localhost"), false, Duration.ofHours(24));
        vault.pkiRole("client", List.of("example.com"), true, Duration.ofHours(24));
        vault.policy("app", "pki/issue/server", "update");
        vault.policy("app", "secret/data/*", "read");
        vault.policy("app", "secret/metadata/*", "read");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        if (secrets != null) {
            secrets.close();
        }
        vault.close();
    }

    private VaultSource.Builder source(String address) {
        VaultFake.AppRole role = vault.appRole(
                "app", dev.rotor.secrets.test.vault.TokenSpec.policies("app").ttl(Duration.ofHours(1)));
        return VaultSource.builder()
                .address(address)
                .auth(VaultAuth.appRole(role.roleId(), role.newSecretId()))
                .readTimeout(Duration.ofSeconds(5));
    }

    private SSLContext trustingTheFakeCa(SSLContext withKeys) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", vault.pkiCaCertificate("pki"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = withKeys != null ? withKeys : SSLContext.getInstance("TLS");
        if (withKeys == null) {
            ctx.init(null, tmf.getTrustManagers(), null);
        }
        return ctx;
    }

    /** One request on a new client (a new connection, no session to resume); answers the server's leaf serial. */
    private static BigInteger serverSerial(SSLContext client, int port) throws Exception {
        HttpClient c = HttpClient.newBuilder()
                .sslContext(client)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> r = c.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return ((X509Certificate) r.sslSession().orElseThrow().getPeerCertificates()[0]).getSerialNumber();
    }

    @Test
    void httpsServer_presentsTheReissuedCertificate_toTheNextHandshake() throws Exception {
        String ref = "vault:pki/issue/server?common_name=localhost&ip_sans=127.0.0.1&ttl=1h";
        secrets = Secrets.builder()
                .source(source(vault.address()).build())
                .discoverSources(false)
                .validator(ref, CertificateBundle.validator(dev.rotor.secrets.TimeSource.system()))
                .build();
        LinkedBlockingQueue<HandOver> handOvers = new LinkedBlockingQueue<>();
        try (RotatingSslContext tls = RotatingSslContext.builder(secrets)
                .keyMaterial(ref)
                .name("pki-server")
                .onHandOver(handOvers::add)
                .build()) {
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()));
            server.createContext("/", ex -> answer(ex, 200, "ok".getBytes()));
            server.start();
            int port = server.getAddress().getPort();
            SSLContext client = trustingTheFakeCa(null);
            BigInteger first = CertificateBundle.from(secrets.get(ref)).serialNumber();

            assertThat(serverSerial(client, port)).isEqualTo(first);

            Secret reissued = secrets.refresh(ref);
            BigInteger second = CertificateBundle.from(reissued).serialNumber();
            assertThat(second).isNotEqualTo(first);
            // the context may report its start first; wait (bounded) for the hand-over of the re-issued version
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            HandOver h;
            do {
                h = handOvers.poll(1, TimeUnit.SECONDS);
            } while ((h == null || !h.version().equals(reissued.version())) && System.nanoTime() < deadline);
            assertThat(h).isNotNull();
            assertThat(h.succeeded()).isTrue();
            assertThat(h.version()).isEqualTo(reissued.version());

            assertThat(serverSerial(client, port)).isEqualTo(second);
            assertThat(vault.pkiIssued("pki")).hasSize(2);
        }
    }

    /**
     * OkHttp with Rotor's context for its client certificate and its trust (both from one Vault PKI ref, whose {@code
     * issuing_ca} is the CA that also signed the server's certificate): a connection already open keeps the
     * certificate it was set up with, and the first connection set up after the hand-over presents the re-issued one.
     */
    @Test
    void okHttp_clientCertificateFromVaultPki_nextConnectionPresentsTheReissuedOne() throws Exception {
        vault.policy("app", "pki/issue/client", "update");
        IssuedCertificate serverCert =
                vault.pkiIssue("pki", "server", "localhost", List.of(), List.of("127.0.0.1"), Duration.ofHours(1));
        SSLContext serverTls = serverContext(serverCert);
        List<BigInteger> seen = new CopyOnWriteArrayList<>();
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = serverTls.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", ex -> {
            X509Certificate peer =
                    (X509Certificate) ((HttpsExchange) ex).getSSLSession().getPeerCertificates()[0];
            seen.add(peer.getSerialNumber());
            answer(ex, 200, "ok".getBytes());
        });
        server.start();
        String ref = "vault:pki/issue/client?common_name=app.example.com&ttl=1h";
        secrets = Secrets.builder()
                .source(source(vault.address()).build())
                .discoverSources(false)
                .build();
        LinkedBlockingQueue<HandOver> handOvers = new LinkedBlockingQueue<>();
        try (RotatingSslContext tls = RotatingSslContext.builder(secrets)
                .keyMaterial(ref)
                .trust(ref)
                .name("okhttp-client")
                .onHandOver(handOvers::add)
                .build()) {
            okhttp3.OkHttpClient client = new okhttp3.OkHttpClient.Builder()
                    .sslSocketFactory(tls.socketFactory(), tls.trustManager())
                    .hostnameVerifier((host, session) -> "127.0.0.1".equals(host))
                    .callTimeout(Duration.ofSeconds(10))
                    .build();
            okhttp3.Request request = new okhttp3.Request.Builder()
                    .url("https://127.0.0.1:" + server.getAddress().getPort() + "/")
                    .build();
            BigInteger first = CertificateBundle.from(secrets.get(ref)).serialNumber();
            try {
                call(client, request);
                assertThat(seen).containsExactly(first);

                Secret reissued = secrets.refresh(ref);
                BigInteger second = CertificateBundle.from(reissued).serialNumber();
                assertThat(second).isNotEqualTo(first);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                HandOver h;
                do {
                    h = handOvers.poll(1, TimeUnit.SECONDS);
                } while ((h == null || !h.version().equals(reissued.version())) && System.nanoTime() < deadline);
                assertThat(h).isNotNull();
                assertThat(h.succeeded()).isTrue();

                // the pooled connection finishes on the certificate it was set up with
                call(client, request);
                assertThat(seen).containsExactly(first, first);
                assertThat(client.connectionPool().connectionCount()).isEqualTo(1);

                // a new connection: a new handshake, with the re-issued certificate
                client.connectionPool().evictAll();
                call(client, request);
                assertThat(seen).containsExactly(first, first, second);
            } finally {
                client.connectionPool().evictAll();
                client.dispatcher().executorService().shutdown();
            }
        }
    }

    private static void call(okhttp3.OkHttpClient client, okhttp3.Request request) throws IOException {
        try (okhttp3.Response r = client.newCall(request).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("ok");
        }
    }

    /** A fixed server context with {@code cert}, trusting the fake's CA for client certificates. */
    private SSLContext serverContext(IssuedCertificate cert) throws Exception {
        Secret pair = Secret.builder(SecretRef.parse("file:server"))
                .version("1")
                .fields(Map.of("tls.crt", cert.certificatePem(), "tls.key", cert.privateKeyPem()))
                .fetchedAt(java.time.Instant.now())
                .build();
        KeyStore keys = CertificateBundle.from(pair).toKeyStore("server", new char[0]);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", vault.pkiCaCertificate("pki"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    // ---- the connection's own client certificate, from files ----

    private final List<BigInteger> clientSerials = new CopyOnWriteArrayList<>();

    /** An HTTPS front for the fake that requires a client certificate and records each request's. */
    private int mtlsFront() throws Exception {
        IssuedCertificate serverCert =
                vault.pkiIssue("pki", "server", "localhost", List.of(), List.of("127.0.0.1"), Duration.ofHours(1));
        SSLContext ctx = serverContext(serverCert);
        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        HttpClient upstream = HttpClient.newBuilder().build();
        server.createContext("/", ex -> {
            try {
                X509Certificate peer =
                        (X509Certificate) ((HttpsExchange) ex).getSSLSession().getPeerCertificates()[0];
                clientSerials.add(peer.getSerialNumber());
                byte[] in = ex.getRequestBody().readAllBytes();
                HttpRequest.Builder rb = HttpRequest.newBuilder(
                                URI.create(vault.address() + ex.getRequestURI().toString()))
                        .timeout(Duration.ofSeconds(5))
                        .method(
                                ex.getRequestMethod(),
                                in.length == 0
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(in));
                String token = ex.getRequestHeaders().getFirst("X-Vault-Token");
                if (token != null) {
                    rb.header("X-Vault-Token", token);
                }
                HttpResponse<byte[]> r = upstream.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
                ex.getResponseHeaders().set("Content-Type", "application/json");
                answer(ex, r.statusCode(), r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer(ex, 500, new byte[0]);
            } catch (Exception e) {
                answer(ex, 500, new byte[0]);
            }
        });
        server.start();
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }

    /** Writes the pair as a cert-manager mount replaces it: a new file moved over the old one. */
    private void write(Path file, String pem) throws IOException {
        Path tmp = Files.createTempFile(dir, "next", ".pem");
        Files.writeString(tmp, pem + "\n");
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private IssuedCertificate clientCertificate() {
        return vault.pkiIssue("pki", "client", "app.example.com", List.of(), List.of(), Duration.ofHours(1));
    }

    @Test
    void clientCertificateFiles_replaced_theNextConnectionPresentsTheNewCertificate() throws Exception {
        int port = mtlsFront();
        vault.kvPut("secret", "app", Map.of("k", "v1"));
        Path ca = dir.resolve("ca.crt");
        Files.writeString(ca, vault.pkiCaPem("pki") + "\n");
        Path crt = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        IssuedCertificate first = clientCertificate();
        write(crt, first.certificatePem());
        write(key, first.privateKeyPem());
        IssuedCertificate second = clientCertificate();
        IssuedCertificate third = clientCertificate();
        try (LeakCheck leaks = LeakCheck.start(
                first.privateKeyPem(),
                second.privateKeyPkcs8Pem(),
                third.privateKeyPem(),
                keyBody(first),
                keyBody(third))) {
            secrets = Secrets.builder()
                    .source(source("https://127.0.0.1:" + port)
                            .caCertificatePem(ca)
                            .clientCertificatePem(crt, key)
                            .build())
                    .discoverSources(false)
                    .eventListener(leaks)
                    .build();

            assertThat(secrets.value("vault:secret/app#k")).isEqualTo("v1");
            assertThat(clientSerials)
                    .isNotEmpty()
                    .allMatch(s -> s.equals(first.certificate().getSerialNumber()));

            // a new pair, the key in PKCS#8 this time
            write(crt, second.certificatePem());
            write(key, second.privateKeyPkcs8Pem());
            clientSerials.clear();
            vault.kvPut("secret", "app", Map.of("k", "v2"));
            assertThat(secrets.refresh("vault:secret/app").field("k")).contains("v2");
            assertThat(clientSerials)
                    .isNotEmpty()
                    .allMatch(s -> s.equals(second.certificate().getSerialNumber()));

            // half a write: a new certificate next to the old key is not used
            write(crt, third.certificatePem());
            clientSerials.clear();
            vault.kvPut("secret", "app", Map.of("k", "v3"));
            assertThat(secrets.refresh("vault:secret/app").field("k")).contains("v3");
            assertThat(clientSerials)
                    .isNotEmpty()
                    .allMatch(s -> s.equals(second.certificate().getSerialNumber()));
            assertThat(leaks.logLines())
                    .anyMatch(l -> l.startsWith("WARN") && l.contains("not used") && l.contains("private key"));

            // the write completes
            write(key, third.privateKeyPem());
            clientSerials.clear();
            vault.kvPut("secret", "app", Map.of("k", "v4"));
            assertThat(secrets.refresh("vault:secret/app").field("k")).contains("v4");
            assertThat(clientSerials)
                    .isNotEmpty()
                    .allMatch(s -> s.equals(third.certificate().getSerialNumber()));
            leaks.assertNoLeaks();
        }
    }

    private static String keyBody(IssuedCertificate c) {
        StringBuilder sb = new StringBuilder();
        for (String line : c.privateKeyPem().split("\n")) {
            if (!line.startsWith("-----")) {
                sb.append(line.strip());
            }
        }
        return sb.toString();
    }
}
