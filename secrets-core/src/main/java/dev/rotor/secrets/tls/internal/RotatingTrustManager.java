package dev.rotor.secrets.tls.internal;

import dev.rotor.secrets.TimeSource;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that follows a rotating set of CA certificates and keeps trusting the ones a new version dropped
 * for an overlap: until {@code overlap} after the version that dropped them was handed over, and never past their own
 * {@code notAfter}. So a CA rollover (new CA issued, peers moving to certificates from it one by one) breaks no
 * handshake even when the new bundle no longer holds the old CA. Checks are the JDK's PKIX checks (with the hostname
 * check the engine asks for), run by a trust manager built for the set in service; the set is replaced as a whole,
 * behind one volatile read, and a CA whose overlap has ended is dropped at the first check after it, on the injected
 * clock. Thread-safe.
 */
public final class RotatingTrustManager extends X509ExtendedTrustManager {
    private final TimeSource clock;
    private final Duration overlap;
    private volatile State state;

    private static final class Trusted {
        final X509Certificate certificate;
        final Instant until; // null: in the version in service

        Trusted(X509Certificate certificate, Instant until) {
            this.certificate = certificate;
            this.until = until;
        }
    }

    private static final class State {
        final List<Trusted> trusted;
        final X509ExtendedTrustManager delegate;
        final Instant nextDrop; // the earliest overlap end, or null

        State(List<Trusted> trusted, X509ExtendedTrustManager delegate, Instant nextDrop) {
            this.trusted = trusted;
            this.delegate = delegate;
            this.nextDrop = nextDrop;
        }
    }

    public RotatingTrustManager(TimeSource clock, Duration overlap) {
        this.clock = clock;
        this.overlap = overlap;
    }

    /** Trusts {@code cas} from now on, and the CAs trusted so far that it drops for the overlap. */
    public synchronized void update(List<X509Certificate> cas) {
        Instant now = clock.now();
        List<Trusted> next = new ArrayList<>();
        for (X509Certificate c : cas) {
            next.add(new Trusted(c, null));
        }
        State s = state;
        if (s != null) {
            for (Trusted t : s.trusted) {
                if (cas.contains(t.certificate)) {
                    continue;
                }
                Instant until = t.until;
                if (until == null) {
                    until = now.plus(overlap);
                    Instant end = t.certificate.getNotAfter().toInstant();
                    if (end.isBefore(until)) {
                        until = end;
                    }
                }
                if (now.isBefore(until)) {
                    next.add(new Trusted(t.certificate, until));
                }
            }
        }
        state = build(next);
    }

    /** The certificates trusted now: the version in service's, then those still in their overlap. */
    public List<X509Certificate> trusted() {
        List<X509Certificate> out = new ArrayList<>();
        for (Trusted t : current().trusted) {
            out.add(t.certificate);
        }
        return List.copyOf(out);
    }

    private State current() {
        State s = state;
        if (s == null) {
            throw new IllegalStateException("no trusted certificates yet");
        }
        if (s.nextDrop != null && !clock.now().isBefore(s.nextDrop)) {
            synchronized (this) {
                s = state;
                Instant now = clock.now();
                if (s.nextDrop != null && !now.isBefore(s.nextDrop)) {
                    List<Trusted> kept = new ArrayList<>();
                    for (Trusted t : s.trusted) {
                        if (t.until == null || now.isBefore(t.until)) {
                            kept.add(t);
                        }
                    }
                    s = build(kept);
                    state = s;
                }
            }
        }
        return s;
    }

    private static State build(List<Trusted> trusted) {
        Instant nextDrop = null;
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Trusted t : trusted) {
                store.setCertificateEntry("ca-" + i++, t.certificate);
                if (t.until != null && (nextDrop == null || t.until.isBefore(nextDrop))) {
                    nextDrop = t.until;
                }
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager) {
                    return new State(List.copyOf(trusted), (X509ExtendedTrustManager) tm, nextDrop);
                }
            }
            throw new IllegalStateException("the Java runtime has no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException(
                    "cannot build a trust manager (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        current().delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        current().delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        current().delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        current().delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return current().delegate.getAcceptedIssuers();
    }

    @Override
    public String toString() {
        State s = state;
        return "RotatingTrustManager{trusted=" + (s == null ? 0 : s.trusted.size()) + ", overlap=" + overlap + "}";
    }
}
