package dev.rotor.secrets.test;

import dev.rotor.secrets.JsonAuditLogger;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventListener;
import dev.rotor.secrets.SecretException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Plants known secret values and proves that none of them escapes.
 *
 * <p>While it runs, a leak check captures:
 *
 * <ul>
 *   <li><b>standard output and error</b>: both are teed (they still print) from {@link Builder#start()} to
 *       {@link #close()};
 *   <li><b>log lines</b>, when logback-classic is the SLF4J binding: a capturing appender is attached to the root
 *       logger, and the root logger and every logger with its own level are set to TRACE for the duration, then
 *       restored. Each line is scanned with its message pattern, arguments, formatted message, stack trace (causes
 *       and suppressed included), MDC and key-value pairs. Without logback on the class path this channel is off and
 *       {@link #capturesLogs()} says so;
 *   <li><b>Rotor events</b>: a leak check is a {@link SecretEventListener}; register it with
 *       {@code Secrets.Builder.eventListener} or {@code Secrets.addEventListener}. Each event is scanned as its
 *       {@code toString()}, its audit JSON ({@link JsonAuditLogger#toJson}) and each of its optional texts;
 *   <li><b>whatever the test hands it</b> through {@link #check(Object...)}: exceptions (message, {@code toString},
 *       stack trace, each cause and suppressed exception, the ref and source of a {@link SecretException}), and the
 *       {@code toString()} of any other object (elements of collections, maps, arrays and optionals one by one).
 * </ul>
 *
 * <p>{@link #assertNoLeaks()} and {@link #close()} fail with an {@link AssertionError} that lists each finding: the
 * channel, which planted value matched (by its index in the order planted) and a short excerpt around it in which
 * every planted value is masked, so the failure report is never a leak itself.
 *
 * <pre>{@code
 * @Test
 * void refreshFailure_neverLogsThePassword() {
 *     try (LeakCheck leaks = LeakCheck.builder().plant("s3cr3t-pass").start()) {
 *         source.putFields("db/app", Map.of("username", "app", "password", "s3cr3t-pass"));
 *         Secrets secrets = Secrets.builder().source(source).eventListener(leaks).build();
 *         secrets.get("mem:db/app");
 *         source.failNext(1, () -> new IllegalStateException("backend said s3cr3t-pass"));
 *         leaks.check(catchThrowable(() -> secrets.refresh("mem:db/app")), secrets.inventory());
 *     } // fails here if the password was printed, logged, in an event or in what was checked
 * }
 * }</pre>
 *
 * <p>Thread-safe: code under test may log, print and publish events from any thread while the test checks objects.
 * Standard output and error are process-wide: two leak checks running at the same time in one JVM both see them,
 * and must be closed in the reverse order they were started.
 */
public final class LeakCheck implements SecretEventListener, AutoCloseable {
    private static final int CONTEXT = 60;
    private static final int MAX_REPORTED = 50;

    private final List<String> planted;
    private final List<String> ignoredLoggers;
    private final List<Captured> captured = Collections.synchronizedList(new ArrayList<>());
    private final List<String> logLines = Collections.synchronizedList(new ArrayList<>());
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final Object lifecycle = new Object();
    private PrintStream originalOut;
    private PrintStream originalErr;
    private AutoCloseable logCapture;
    private boolean closed;

    private LeakCheck(Builder b) {
        this.planted = List.copyOf(b.planted);
        this.ignoredLoggers = List.copyOf(b.ignoredLoggers);
    }

    /** Starts describing a leak check. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts a leak check of every channel for {@code values}: a shortcut for {@code builder().plant(values)}. */
    public static LeakCheck start(String... values) {
        return builder().plant(values).start();
    }

    private void begin(Builder b) {
        if (b.standardStreams) {
            originalOut = System.out;
            originalErr = System.err;
            System.setOut(new PrintStream(new Tee(originalOut, stdout), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Tee(originalErr, stderr), true, StandardCharsets.UTF_8));
        }
        if (b.logs && logbackPresent()) {
            logCapture = LogbackCapture.start(ignoredLoggers, this::captureLog);
        }
    }

    private static boolean logbackPresent() {
        try {
            Class.forName("ch.qos.logback.classic.LoggerContext", false, LeakCheck.class.getClassLoader());
            Class.forName("org.slf4j.LoggerFactory", false, LeakCheck.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Whether log lines are captured: logback-classic is the SLF4J binding and capture was not switched off. */
    public boolean capturesLogs() {
        synchronized (lifecycle) {
            return logCapture != null;
        }
    }

    /** The planted values, in the order their findings number them. */
    public List<String> planted() {
        return planted;
    }

    private void captureLog(String level, String logger, String message, String text) {
        logLines.add(level + " " + logger + ": " + message);
        captured.add(new Captured("log " + level + " " + logger, text));
    }

    /** Where the log capture hands each line: kept free of logback types, so this class loads without logback. */
    interface LogSink {
        void accept(String level, String logger, String message, String text);
    }

    /**
     * The log lines captured so far, each as {@code "LEVEL logger: formatted message"}, for assertions that a path
     * was taken. They are test data: they may hold planted values.
     */
    public List<String> logLines() {
        synchronized (logLines) {
            return List.copyOf(logLines);
        }
    }

    // ---- channels ----

    /** Captures one event: its {@code toString()}, its audit JSON and each of its optional texts. */
    @Override
    public void onEvent(SecretEvent event) {
        String channel = "event " + event.type();
        add(channel, String.valueOf(event));
        add(channel + " audit JSON", JsonAuditLogger.toJson(event));
        event.errorMessage().ifPresent(m -> add(channel + " errorMessage", m));
        event.errorClass().ifPresent(m -> add(channel + " errorClass", m));
        event.detail().ifPresent(m -> add(channel + " detail", m));
        event.version().ifPresent(m -> add(channel + " version", m));
        event.previousVersion().ifPresent(m -> add(channel + " previousVersion", m));
    }

    /**
     * Captures what each of {@code things} shows to the world: for an exception its message, {@code toString} and
     * stack trace, then each cause and suppressed exception the same way; for a collection, map, array or optional
     * its {@code toString} and each element; for anything else its {@code toString()}. Nulls are skipped.
     *
     * @return this leak check
     */
    public LeakCheck check(Object... things) {
        for (Object o : things) {
            check(o, Collections.newSetFromMap(new IdentityHashMap<>()));
        }
        return this;
    }

    private void check(Object o, Set<Object> seen) {
        if (o == null || !seen.add(o)) {
            return;
        }
        if (o instanceof Throwable) {
            Throwable t = (Throwable) o;
            add("exception " + t.getClass().getName() + " stack trace", stackTrace(t));
            checkThrowable("exception " + t.getClass().getName(), t, seen);
        } else if (o instanceof Optional) {
            ((Optional<?>) o).ifPresent(v -> check(v, seen));
        } else if (o instanceof Collection) {
            add("toString of " + o.getClass().getName(), String.valueOf(o));
            for (Object e : ((Collection<?>) o).toArray()) {
                check(e, seen);
            }
        } else if (o instanceof Map) {
            add("toString of " + o.getClass().getName(), String.valueOf(o));
            for (Map.Entry<?, ?> e : new ArrayList<Map.Entry<?, ?>>(((Map<?, ?>) o).entrySet())) {
                check(e.getKey(), seen);
                check(e.getValue(), seen);
            }
        } else if (o instanceof Object[]) {
            add("toString of " + o.getClass().getSimpleName(), Arrays.deepToString((Object[]) o));
            for (Object e : (Object[]) o) {
                check(e, seen);
            }
        } else if (o instanceof CharSequence) {
            add("text", o.toString());
        } else {
            add("toString of " + o.getClass().getName(), String.valueOf(o));
        }
    }

    private void checkThrowable(String channel, Throwable t, Set<Object> seen) {
        add(channel + " message", String.valueOf(t.getMessage()));
        add(channel + " localized message", String.valueOf(t.getLocalizedMessage()));
        add(channel + " toString", String.valueOf(t));
        if (t instanceof SecretException) {
            SecretException s = (SecretException) t;
            add(channel + " ref", String.valueOf(s.ref()));
            add(channel + " source", String.valueOf(s.source()));
        }
        Throwable cause = t.getCause();
        if (cause != null && seen.add(cause)) {
            checkThrowable(channel + " > cause " + cause.getClass().getName(), cause, seen);
        }
        for (Throwable s : t.getSuppressed()) {
            if (seen.add(s)) {
                checkThrowable(channel + " > suppressed " + s.getClass().getName(), s, seen);
            }
        }
    }

    private void add(String channel, String text) {
        captured.add(new Captured(channel, text));
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    // ---- verdict ----

    /** Every place a planted value shows up in what was captured so far. */
    public List<Finding> findings() {
        List<Captured> all;
        synchronized (captured) {
            all = new ArrayList<>(captured);
        }
        all.add(new Captured("standard output", stdout.toString(StandardCharsets.UTF_8)));
        all.add(new Captured("standard error", stderr.toString(StandardCharsets.UTF_8)));
        List<Finding> found = new ArrayList<>();
        for (Captured c : all) {
            scan(c.channel, c.text, found);
        }
        return List.copyOf(found);
    }

    /**
     * Fails if a planted value was captured in any channel so far.
     *
     * @throws AssertionError naming each channel, the index of the planted value and a masked excerpt
     */
    public void assertNoLeaks() {
        List<Finding> found = findings();
        if (found.isEmpty()) {
            return;
        }
        StringBuilder report = new StringBuilder()
                .append(found.size())
                .append(found.size() == 1 ? " planted value" : " planted values")
                .append(" found in what the code under test let out (values masked as [planted #n]):");
        for (Finding f : found.subList(0, Math.min(found.size(), MAX_REPORTED))) {
            report.append("\n  - ").append(f);
        }
        if (found.size() > MAX_REPORTED) {
            report.append("\n  ... and ").append(found.size() - MAX_REPORTED).append(" more");
        }
        throw new AssertionError(report.toString());
    }

    /** Forgets everything captured so far; capture goes on. */
    public void clear() {
        captured.clear();
        logLines.clear();
        stdout.reset();
        stderr.reset();
    }

    /**
     * Stops capturing (standard streams, logger levels and appenders restored) and then {@link #assertNoLeaks()}.
     * Idempotent: a second call only checks again.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (!closed) {
                closed = true;
                try {
                    if (logCapture != null) {
                        logCapture.close();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException("could not restore the logger configuration", e);
                } finally {
                    if (originalOut != null) {
                        System.out.flush();
                        System.err.flush();
                        System.setOut(originalOut);
                        System.setErr(originalErr);
                    }
                }
            }
        }
        assertNoLeaks();
    }

    @Override
    public String toString() {
        return "LeakCheck{" + planted.size() + " planted values, logs " + (capturesLogs() ? "captured" : "not captured")
                + "}";
    }

    private void scan(String channel, String text, List<Finding> found) {
        if (text == null || text.isEmpty()) {
            return;
        }
        List<int[]> matches = new ArrayList<>(); // start, end, index
        for (int i = 0; i < planted.size(); i++) {
            String value = planted.get(i);
            for (int at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
                matches.add(new int[] {at, at + value.length(), i});
            }
        }
        if (matches.isEmpty()) {
            return;
        }
        matches.sort(Comparator.comparingInt((int[] m) -> m[0]));
        List<Match> merged = new ArrayList<>();
        for (int[] m : matches) {
            Match last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && m[0] < last.end) {
                last.end = Math.max(last.end, m[1]);
                last.indexes.add(m[2]);
            } else {
                merged.add(new Match(m[0], m[1], m[2]));
            }
        }
        for (Match m : merged) {
            found.add(new Finding(channel, List.copyOf(m.indexes), excerpt(text, m, merged)));
        }
    }

    private static String excerpt(String text, Match m, List<Match> all) {
        int lineStart = Math.max(text.lastIndexOf('\n', m.start - 1) + 1, 0);
        int lineEnd = text.indexOf('\n', m.end);
        int from = Math.max(lineStart, m.start - CONTEXT);
        int to = Math.min(lineEnd < 0 ? text.length() : lineEnd, m.end + CONTEXT);
        StringBuilder out = new StringBuilder();
        if (from > lineStart) {
            out.append("...");
        }
        int pos = from;
        for (Match other : all) {
            if (other.end <= from || other.start >= to) {
                continue;
            }
            if (other.start > pos) {
                out.append(text, pos, other.start);
            }
            out.append(other.label());
            pos = Math.max(pos, other.end);
        }
        if (pos < to) {
            out.append(text, pos, to);
        }
        if (to < (lineEnd < 0 ? text.length() : lineEnd)) {
            out.append("...");
        }
        return out.toString().replace('\r', ' ').replace('\t', ' ');
    }

    /** One place a planted value was found. Immutable; prints no planted value. */
    public static final class Finding {
        private final String channel;
        private final List<Integer> plantedIndexes;
        private final String excerpt;

        Finding(String channel, List<Integer> plantedIndexes, String excerpt) {
            this.channel = channel;
            this.plantedIndexes = plantedIndexes;
            this.excerpt = excerpt;
        }

        /**
         * Where it was found, for example {@code "log WARN com.example.Db"}, {@code "standard error"},
         * {@code "event REFRESH_FAILED audit JSON"} or {@code "exception java.lang.IllegalStateException > cause
         * java.io.IOException message"}.
         */
        public String channel() {
            return channel;
        }

        /** The indexes (in planting order) of the planted values that matched here; several when they overlap. */
        public List<Integer> plantedIndexes() {
            return plantedIndexes;
        }

        /** The text around the finding, at most one line, with every planted value masked as {@code [planted #n]}. */
        public String excerpt() {
            return excerpt;
        }

        @Override
        public String toString() {
            return channel + ": planted value " + indexes(plantedIndexes) + " in \"" + excerpt + "\"";
        }
    }

    private static String indexes(Collection<Integer> indexes) {
        StringBuilder s = new StringBuilder();
        for (int i : indexes) {
            s.append(s.length() == 0 ? "#" : ", #").append(i);
        }
        return s.toString();
    }

    private static final class Match {
        final int start;
        int end;
        final Set<Integer> indexes = new TreeSet<>();

        Match(int start, int end, int index) {
            this.start = start;
            this.end = end;
            indexes.add(index);
        }

        String label() {
            return "[planted " + indexes(indexes) + "]";
        }
    }

    private static final class Captured {
        final String channel;
        final String text;

        Captured(String channel, String text) {
            this.channel = channel;
            this.text = text;
        }
    }

    /** Copies what is printed to the real stream and to the capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream real;
        private final OutputStream copy;

        Tee(OutputStream real, OutputStream copy) {
            this.real = real;
            this.copy = copy;
        }

        @Override
        public void write(int b) throws IOException {
            real.write(b);
            copy.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            real.write(b, off, len);
            copy.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            real.flush();
            copy.flush();
        }
    }

    /**
     * Describes a {@link LeakCheck}: the planted values (required), loggers to leave out, and the channels to capture.
     * Not thread-safe.
     */
    public static final class Builder {
        private final Set<String> planted = new LinkedHashSet<>();
        private final List<String> ignoredLoggers = new ArrayList<>();
        private boolean standardStreams = true;
        private boolean logs = true;
        private String invalid;

        private Builder() {}

        /**
         * Adds values that must never be seen; findings number them in the order planted (from 0). Plant whole
         * values, or a marker that every planted value holds. Each needs at least 4 characters, or it would match by
         * chance.
         */
        public Builder plant(String... values) {
            for (String v : Objects.requireNonNull(values, "values")) {
                if (v == null || v.length() < 4) {
                    invalid = "plant: a planted value needs at least 4 characters, or it matches by chance (got "
                            + (v == null ? "null" : v.length() + " characters") + ")";
                } else {
                    planted.add(v);
                }
            }
            return this;
        }

        /**
         * Leaves out log lines of loggers whose names start with one of {@code prefixes} (for example a stand-in
         * server that echoes what the test sent it); their levels are left alone too.
         */
        public Builder ignoreLoggers(String... prefixes) {
            for (String p : Objects.requireNonNull(prefixes, "prefixes")) {
                ignoredLoggers.add(Objects.requireNonNull(p, "prefix"));
            }
            return this;
        }

        /** Whether to tee standard output and error (default true). */
        public Builder captureStandardStreams(boolean capture) {
            this.standardStreams = capture;
            return this;
        }

        /** Whether to capture log lines when logback-classic is present (default true). */
        public Builder captureLogs(boolean capture) {
            this.logs = capture;
            return this;
        }

        /**
         * Starts capturing and answers the running leak check; close it to stop and check.
         *
         * @throws IllegalStateException if no value was planted or a planted value is too short
         */
        public LeakCheck start() {
            if (invalid != null) {
                throw new IllegalStateException(invalid);
            }
            if (planted.isEmpty()) {
                throw new IllegalStateException("plant: at least one value to look for is required");
            }
            LeakCheck check = new LeakCheck(this);
            try {
                synchronized (check.lifecycle) {
                    check.begin(this);
                }
            } catch (RuntimeException | Error e) {
                check.clear();
                try {
                    check.close();
                } catch (RuntimeException | Error suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            return check;
        }
    }
}
