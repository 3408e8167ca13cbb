package dev.rotor.secrets.spring;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * A mutual-TLS HTTPS server (the JDK's {@link HttpsServer}) on 127.0.0.1 and a port the OS picks: it presents its own
 * certificate, requires a client certificate issued by the CA it trusts, and answers each request with the serial
 * number (hex) of the client certificate of that connection, which it also records. Every answer closes its
 * connection ({@code Connection: close}), so each request is a new connection and a new handshake.
 */
final class MtlsServer implements AutoCloseable {
    private final HttpsServer server;
    private final ExecutorService executor;
    private final List<BigInteger> serials = new CopyOnWriteArrayList<>();

    private MtlsServer(HttpsServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Serves with {@code identity} (issued by {@code ca}) and trusts client certificates of {@code ca}. */
    static MtlsServer start(Pki.Issued identity, Pki.Issued ca) throws Exception {
        char[] pw = "server-store".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
                "server", identity.keys.getPrivate(), pw, new X509Certificate[] {identity.certificate, ca.certificate});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pw);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        ExecutorService executor = Executors.newFixedThreadPool(4);
        MtlsServer s = new MtlsServer(server, executor);
        server.createContext("/", exchange -> s.answer((HttpsExchange) exchange));
        server.setExecutor(executor);
        server.start();
        return s;
    }

    private void answer(HttpsExchange exchange) throws IOException {
        try (exchange) {
            X509Certificate client = (X509Certificate) exchange.getSSLSession().getPeerCertificates()[0];
            serials.add(client.getSerialNumber());
            byte[] body = client.getSerialNumber().toString(16).getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().set("Connection", "close");
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** {@code https://127.0.0.1:<port>} */
    String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The serial of the client certificate of each request answered, in order. */
    List<BigInteger> serials() {
        return List.copyOf(serials);
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }
}
