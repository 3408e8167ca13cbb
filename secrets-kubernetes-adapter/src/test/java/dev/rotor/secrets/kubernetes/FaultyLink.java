package dev.rotor.secrets.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link on 127.0.0.1 in front of the mock API server, for the faults an in-memory API server cannot make on its
 * own: the whole server down (connections refused once accepted, open ones cut, the watch's included) or answering
 * every request with one status (429 with {@code Retry-After} and a Status body, as API Priority and Fairness does, or
 * 503). Forwards bytes untouched otherwise, watches (WebSocket upgrades) included. Threads are daemons and end with
 * {@link #close()}.
 */
final class FaultyLink implements AutoCloseable {
    private enum Mode {
        FORWARD,
        REFUSE,
        ANSWER
    }

    private final int target;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** The connections whose first request was a watch (both ends). */
    private final Set<Socket> watches = ConcurrentHashMap.newKeySet();

    private final Thread acceptor;
    private volatile Mode mode = Mode.FORWARD;
    private volatile String answer;
    private volatile boolean closed;

    FaultyLink(int targetPort) {
        this.target = targetPort;
        try {
            listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        acceptor = new Thread(this::accept, "faulty-link-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
    }

    /** Forwards again. Connections cut earlier stay cut; clients connect anew. */
    void forward() {
        mode = Mode.FORWARD;
    }

    /** The server is down: every open connection is cut, every new one closed at once. */
    void down() {
        mode = Mode.REFUSE;
        cut();
    }

    /**
     * The server answers every request with {@code code} (with {@code Retry-After: retryAfterSeconds} and the same
     * {@code details.retryAfterSeconds} in its Status, when given); open connections are cut.
     */
    void answerAll(int code, String reason, Integer retryAfterSeconds) {
        answerAll(code, reason, retryAfterSeconds, true);
    }

    private void answerAll(int code, String reason, Integer retryAfterSeconds, boolean cutAll) {
        String body = "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\",\"code\":" + code
                + ",\"reason\":\"" + reason + "\",\"message\":\"" + reason + "\""
                + (retryAfterSeconds == null ? "" : ",\"details\":{\"retryAfterSeconds\":" + retryAfterSeconds + "}")
                + "}";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        answer = "HTTP/1.1 " + code + " " + reason + "\r\n"
                + "Content-Type: application/json\r\n"
                + (retryAfterSeconds == null ? "" : "Retry-After: " + retryAfterSeconds + "\r\n")
                + "Content-Length: " + b.length + "\r\n"
                + "Connection: close\r\n\r\n" + body;
        mode = Mode.ANSWER;
        if (cutAll) {
            cut();
        }
    }

    /**
     * New connections are answered with {@code code} as {@link #answerAll} does, and open watch streams are cut;
     * connections already open for other requests keep forwarding (throttle those with the mock server's
     * expectations).
     */
    void answerNew(int code, String reason, Integer retryAfterSeconds) {
        answerAll(code, reason, retryAfterSeconds, false);
        cutWatches();
    }

    /** Cuts the open watch streams only. */
    void cutWatches() {
        for (Socket s : watches) {
            closeQuietly(s);
            open.remove(s);
        }
        watches.clear();
    }

    /** Cuts every open connection (a watch's stream ends as if the server went away). */
    void cut() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            Mode m = mode;
            if (m == Mode.REFUSE) {
                closeQuietly(client);
            } else if (m == Mode.ANSWER) {
                start(() -> answer(client));
            } else {
                start(() -> link(client));
            }
        }
    }

    private void answer(Socket client) {
        open.add(client);
        try (client) {
            InputStream in = client.getInputStream();
            // the request's head: read to its blank line (bounded), then answer and close
            int state = 0;
            for (int i = 0; i < 64 * 1024 && state < 4; i++) {
                int c = in.read();
                if (c < 0) {
                    return;
                }
                state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
                        ? state + 1
                        : 0;
            }
            OutputStream out = client.getOutputStream();
            out.write(answer.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(client);
        }
    }

    private void link(Socket client) {
        Socket upstream;
        byte[] head;
        try {
            head = requestLine(client.getInputStream());
            upstream = new Socket(InetAddress.getByName("127.0.0.1"), target);
            upstream.getOutputStream().write(head);
        } catch (IOException e) {
            closeQuietly(client);
            return;
        }
        open.add(client);
        open.add(upstream);
        if (new String(head, StandardCharsets.ISO_8859_1).contains("watch=true")) {
            watches.add(client);
            watches.add(upstream);
        }
        start(() -> pump(client, upstream));
        pump(upstream, client);
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // cut, or closed by either side
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
            watches.remove(from);
            watches.remove(to);
        }
    }

    /** The first line of the first request (bounded), to tell a watch's connection from others. */
    private static byte[] requestLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 8 * 1024; i++) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            line.write(c);
            if (c == '\n') {
                break;
            }
        }
        return line.toByteArray();
    }

    private static void start(Runnable r) {
        Thread t = new Thread(r, "faulty-link");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(listener);
        cut();
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
