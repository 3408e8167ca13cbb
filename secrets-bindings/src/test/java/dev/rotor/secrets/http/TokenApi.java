package dev.rotor.secrets.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token-checking API on 127.0.0.1 (a port the system picked): it accepts the keys it has issued and answers 401 to
 * any other, the way an API answers once its key was rotated and the old one revoked. {@code /echo} answers the request
 * body back.
 */
public final class TokenApi implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(4);
    private final String header;
    private final String prefix;
    private final Set<String> accepted = new CopyOnWriteArraySet<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();

    private TokenApi(HttpServer server, String header, String prefix) {
        this.server = server;
        this.header = header;
        this.prefix = prefix;
    }

    public static TokenApi start(String header, String prefix) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        TokenApi api = new TokenApi(s, header, prefix);
        s.createContext("/", api::handle);
        s.setExecutor(api.threads);
        s.start();
        return api;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Issues a key: requests bearing it are accepted. */
    public void issue(String key) {
        accepted.add(key);
    }

    /** Revokes a key: requests bearing it get a 401. */
    public void revoke(String key) {
        accepted.remove(key);
    }

    public int requests() {
        return requests.get();
    }

    public int rejected() {
        return rejected.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String sent = exchange.getRequestHeaders().getFirst(header);
        boolean ok = sent != null
                && exchange.getRequestHeaders().get(header).size() == 1
                && sent.startsWith(prefix)
                && accepted.contains(sent.substring(prefix.length()));
        byte[] answer;
        int status;
        if (ok) {
            status = 200;
            answer = exchange.getRequestURI().getPath().equals("/echo")
                    ? body
                    : "{\"items\":[1,2,3]}".getBytes(StandardCharsets.UTF_8);
        } else {
            rejected.incrementAndGet();
            status = 401;
            answer = "{\"error\":\"invalid key\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        }
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
