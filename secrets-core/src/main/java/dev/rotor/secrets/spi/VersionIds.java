package dev.rotor.secrets.spi;

/**
 * Version ids for sources whose store numbers versions (a counter, a KV v2 version): small numbers come from a shared
 * table, so that thousands of cached secrets do not each hold their own copy of {@code "1"}. Thread-safe.
 */
public final class VersionIds {
    private static final String[] SMALL = new String[1024];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = Integer.toString(i);
        }
    }

    private VersionIds() {}

    /** The decimal id of {@code n}. */
    public static String of(long n) {
        return n >= 0 && n < SMALL.length ? SMALL[(int) n] : Long.toString(n);
    }
}
