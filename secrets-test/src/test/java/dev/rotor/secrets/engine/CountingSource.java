package dev.rotor.secrets.engine;

import dev.rotor.secrets.Secret;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import java.util.concurrent.atomic.AtomicInteger;

/** Wraps a source and counts its fetches. */
final class CountingSource implements SecretSource {
    private final SecretSource delegate;
    private final AtomicInteger fetches;

    CountingSource(SecretSource delegate, AtomicInteger fetches) {
        this.delegate = delegate;
        this.fetches = fetches;
    }

    @Override
    public String scheme() {
        return delegate.scheme();
    }

    @Override
    public Secret fetch(FetchRequest request) {
        fetches.incrementAndGet();
        return delegate.fetch(request);
    }
}
