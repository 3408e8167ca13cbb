package dev.rotor.secrets;

/** A registration that can be undone; closing it twice is harmless. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
