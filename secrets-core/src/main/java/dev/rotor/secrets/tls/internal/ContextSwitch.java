package dev.rotor.secrets.tls.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SSLContext} Rotor hands out: every engine, socket and server socket it makes comes from a JDK context
 * built on the rotating key and trust managers, and that context is replaced by a fresh one at each hand-over
 * ({@link #renew()}). The managers alone would already put the new certificate into every full handshake; the fresh
 * context also gives up the session caches and the session-ticket keys of the old one, so that no handshake after a
 * hand-over resumes a session made with the previous key material (a resumed session would present the old
 * certificate's identity). Connections already open keep their session. Thread-safe: one volatile read per engine.
 */
public final class ContextSwitch extends SSLContextSpi {
    private static final Logger LOG = LoggerFactory.getLogger(ContextSwitch.class);

    private final String protocol;
    private final KeyManager[] keyManagers;
    private final TrustManager[] trustManagers;
    private volatile SSLContext current;
    private final SSLContext context;

    private ContextSwitch(String protocol, KeyManager keyManager, TrustManager trustManager)
            throws GeneralSecurityException {
        this.protocol = protocol;
        this.keyManagers = new KeyManager[] {keyManager};
        this.trustManagers = new TrustManager[] {trustManager};
        this.current = fresh();
        this.context = new SSLContext(this, current.getProvider(), current.getProtocol()) {};
    }

    /**
     * A context for {@code protocol} ({@code "TLS"}, {@code "TLSv1.3"}) on the two managers, and the switch that
     * renews it.
     *
     * @throws GeneralSecurityException when the Java runtime has no such protocol
     */
    public static ContextSwitch create(String protocol, KeyManager keyManager, TrustManager trustManager)
            throws GeneralSecurityException {
        return new ContextSwitch(protocol, keyManager, trustManager);
    }

    /** The context to hand out: it delegates to the JDK context in service at each call. */
    public SSLContext context() {
        return context;
    }

    /**
     * Replaces the JDK context: handshakes that start from now on cannot resume a session of the old one. Should that
     * fail (the protocol was available a moment ago), the context in service stays and the failure is logged: its
     * managers present and check the new material all the same, only sessions made before may still be resumed.
     */
    public void renew() {
        try {
            current = fresh();
        } catch (GeneralSecurityException | RuntimeException e) {
            LOG.warn(
                    "Rotor could not renew the {} SSLContext after a hand-over ({}); sessions made before it may"
                            + " still be resumed",
                    protocol,
                    e.getClass().getName());
        }
    }

    private SSLContext fresh() throws GeneralSecurityException {
        SSLContext c = SSLContext.getInstance(protocol);
        c.init(keyManagers, trustManagers, null);
        return c;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
        throw new KeyManagementException(
                "this SSLContext is set up by Rotor and follows its secrets; it cannot be" + " initialised again");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        return new SwitchingSocketFactory();
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        return new SwitchingServerSocketFactory();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        return current.createSSLEngine();
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return current.createSSLEngine(host, port);
    }

    /** The session cache of the JDK context in service now; a hand-over replaces it. */
    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        return current.getServerSessionContext();
    }

    /** The session cache of the JDK context in service now; a hand-over replaces it. */
    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        return current.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        return current.getDefaultSSLParameters();
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        return current.getSupportedSSLParameters();
    }

    /** Makes each socket from the socket factory of the JDK context in service. */
    private final class SwitchingSocketFactory extends SSLSocketFactory {
        private SSLSocketFactory f() {
            return current.getSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return f().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return f().getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return f().createSocket();
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return f().createSocket(s, host, port, autoClose);
        }

        @Override
        public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return f().createSocket(s, consumed, autoClose);
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return f().createSocket(host, port);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return f().createSocket(host, port, localHost, localPort);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return f().createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return f().createSocket(address, port, localAddress, localPort);
        }
    }

    /**
     * Makes each server socket from the JDK context in service. A server socket keeps the context it was made with:
     * its accepted connections present the rotating key material, but resume sessions of that context.
     */
    private final class SwitchingServerSocketFactory extends SSLServerSocketFactory {
        private SSLServerSocketFactory f() {
            return current.getServerSocketFactory();
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return f().getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return f().getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return f().createServerSocket();
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return f().createServerSocket(port);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return f().createServerSocket(port, backlog);
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
            return f().createServerSocket(port, backlog, address);
        }
    }
}
