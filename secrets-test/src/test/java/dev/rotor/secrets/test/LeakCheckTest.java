package dev.rotor.secrets.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SourceUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LeakCheckTest {
    private static final String PASSWORD = "s3cr3t-pass-4e1b";
    private static final String TOKEN = "tok-9f0c2aa7";
    private static final String CANARY = "dev.rotor.secrets.test.Canary";

    private final List<LeakCheck> started = new ArrayList<>();

    /** Every check a test leaves open is stopped, so no test leaves the streams or the loggers changed. */
    @AfterEach
    void stopAll() {
        for (int i = started.size() - 1; i >= 0; i--) {
            catchThrowable(started.get(i)::close);
        }
    }

    private LeakCheck start(LeakCheck.Builder b) {
        LeakCheck check = b.start();
        started.add(check);
        return check;
    }

    private LeakCheck start() {
        return start(LeakCheck.builder().plant(PASSWORD, TOKEN));
    }

    private static List<String> channels(LeakCheck check) {
        List<String> channels = new ArrayList<>();
        check.findings().forEach(f -> channels.add(f.channel()));
        return channels;
    }

    // ---- each channel ----

    @Test
    void logLine_holdingAPlantedValue_isFoundUnderItsLevelAndLogger() {
        LeakCheck check = start();

        LoggerFactory.getLogger(CANARY).debug("connecting with {}", PASSWORD);

        assertThat(check.capturesLogs()).isTrue();
        assertThat(check.findings()).singleElement().satisfies(f -> {
            assertThat(f.channel()).isEqualTo("log DEBUG " + CANARY);
            assertThat(f.plantedIndexes()).containsExactly(0);
            assertThat(f.excerpt()).isEqualTo("connecting with [planted #0]");
        });
    }

    @Test
    void logLine_atTrace_evenWhenTheLoggerWasConfiguredHigher_isFound() {
        Logger configured = (Logger) LoggerFactory.getLogger(CANARY + ".Quiet");
        configured.setLevel(Level.ERROR);
        try {
            LeakCheck check = start();

            LoggerFactory.getLogger(CANARY + ".Quiet").trace("token {}", TOKEN);

            assertThat(channels(check)).containsExactly("log TRACE " + CANARY + ".Quiet");
        } finally {
            configured.setLevel(null);
        }
    }

    @Test
    void logLine_withTheValueOnlyInTheLoggedExceptionsCause_isFound() {
        LeakCheck check = start();

        LoggerFactory.getLogger(CANARY)
                .info("refresh failed", new IllegalStateException("outer", new IOException("body " + TOKEN)));

        assertThat(channels(check)).containsExactly("log INFO " + CANARY);
        assertThat(check.findings().get(0).excerpt()).contains("body [planted #1]");
    }

    @Test
    void standardOutputAndError_areFound_andStillPrinted() {
        PrintStream before = System.out;
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(terminal, true, StandardCharsets.UTF_8);
        System.setOut(console);
        try {
            LeakCheck check = start();

            System.out.println("user=app password=" + PASSWORD);
            System.err.println("token " + TOKEN);

            assertThat(channels(check)).containsExactly("standard output", "standard error");
            assertThat(terminal.toString(StandardCharsets.UTF_8)).contains("user=app password=" + PASSWORD);
            check.clear();
            check.close();
            assertThat(System.out).isSameAs(console);
        } finally {
            System.setOut(before);
        }
    }

    @Test
    void event_withTheValueInItsErrorMessage_isFoundInItsAuditJson() {
        LeakCheck check = start();
        SecretRef ref = SecretRef.parse("mem:db/app");

        check.onEvent(SecretEvent.builder(SecretEventType.REFRESH_FAILED, Instant.EPOCH)
                .ref(ref)
                .source("mem")
                .failure(new SourceUnavailableException("backend said " + PASSWORD, ref, "mem"))
                .build());

        assertThat(channels(check))
                .contains("event REFRESH_FAILED audit JSON", "event REFRESH_FAILED errorMessage")
                .doesNotContain("event REFRESH_FAILED");
    }

    @Test
    void event_withTheValueInItsToString_isFound() {
        LeakCheck check = start();

        check.onEvent(SecretEvent.builder(SecretEventType.ROTATED, Instant.EPOCH)
                .detail("new password " + PASSWORD)
                .build());

        assertThat(channels(check)).contains("event ROTATED", "event ROTATED audit JSON", "event ROTATED detail");
    }

    @Test
    void exceptionMessage_isFound() {
        LeakCheck check = start();

        check.check(new IllegalArgumentException("password " + PASSWORD + " is too short"));

        assertThat(channels(check))
                .contains(
                        "exception java.lang.IllegalArgumentException message",
                        "exception java.lang.IllegalArgumentException toString",
                        "exception java.lang.IllegalArgumentException stack trace");
    }

    @Test
    void exceptionCause_andSuppressed_areFoundUnderTheirOwnChannels() {
        LeakCheck check = start();
        RuntimeException e = new IllegalStateException("outer", new UncheckedIOException(new IOException(PASSWORD)));
        e.addSuppressed(new IllegalArgumentException(TOKEN));

        check.check(e);

        assertThat(channels(check))
                .contains(
                        "exception java.lang.IllegalStateException > cause java.io.UncheckedIOException"
                                + " > cause java.io.IOException message",
                        "exception java.lang.IllegalStateException > suppressed java.lang.IllegalArgumentException"
                                + " message")
                .noneMatch(c -> c.equals("exception java.lang.IllegalStateException message"));
    }

    @Test
    void toStringOfAnObject_andOfAnExceptionThatHidesItsMessage_isFound() {
        LeakCheck check = start();
        Object talkative = new Object() {
            @Override
            public String toString() {
                return "Credentials{password=" + PASSWORD + "}";
            }
        };
        RuntimeException sly = new RuntimeException("fine") {
            @Override
            public String toString() {
                return "sly " + TOKEN;
            }
        };

        check.check(talkative, sly);

        assertThat(channels(check))
                .anyMatch(c -> c.startsWith("toString of dev.rotor.secrets.test.LeakCheckTest$"))
                .anyMatch(c -> c.endsWith(" toString") && c.startsWith("exception "));
    }

    @Test
    void elementsOfCollectionsMapsArraysAndOptionals_areEachFound() {
        LeakCheck check = start();

        check.check(
                List.of("a", PASSWORD),
                Map.of("k", TOKEN),
                Collections.singletonMap("empty", null),
                Optional.of(PASSWORD),
                new Object[] {TOKEN},
                null);

        assertThat(channels(check))
                .contains("text")
                .anyMatch(c -> c.startsWith("toString of java.util.ImmutableCollections$List"))
                .anyMatch(c -> c.startsWith("toString of java.util.ImmutableCollections$Map"))
                .contains("toString of Object[]");
    }

    // ---- the verdict ----

    @Test
    void nothingPlantedEscapes_assertNoLeaksAndClosePass() {
        LeakCheck check = start();
        LoggerFactory.getLogger(CANARY).info("connected as app");
        System.out.println("connected as app");
        check.onEvent(SecretEvent.builder(SecretEventType.LOADED, Instant.EPOCH).build());
        check.check(new IllegalStateException("refused", new IOException("no route")), List.of("app"));

        check.assertNoLeaks();
        check.close();

        assertThat(check.findings()).isEmpty();
        assertThat(check.logLines()).contains("INFO " + CANARY + ": connected as app");
    }

    @Test
    void report_quotesChannelIndexAndExcerpt_butNeverThePlantedValue() {
        LeakCheck check = start(LeakCheck.builder().plant(PASSWORD, TOKEN, "s3cr3t"));
        LoggerFactory.getLogger(CANARY).info("login as app with {} failed", PASSWORD);

        Throwable failure = catchThrowable(check::assertNoLeaks);

        assertThat(failure)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("1 planted value found")
                .hasMessageContaining("log INFO " + CANARY + ": planted value #0, #2 in \"login as app with"
                        + " [planted #0, #2] failed\"")
                .message()
                .doesNotContain(PASSWORD, "s3cr3t");
    }

    @Test
    void report_excerpt_isCutToOneLineAndMasksEveryPlantedValueInIt() {
        LeakCheck check = start();

        check.check("first line\n" + "x".repeat(100) + " " + PASSWORD + " and " + TOKEN + " " + "y".repeat(100)
                + "\nlast line");

        assertThat(check.findings()).hasSize(2).allSatisfy(f -> {
            assertThat(f.excerpt())
                    .contains("[planted #0] and [planted #1]")
                    .startsWith("...")
                    .endsWith("...")
                    .doesNotContain("line", PASSWORD, TOKEN);
        });
    }

    @Test
    void close_fails_whenAValueLeaked_afterRestoringStreamsAndLoggers() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level rootLevel = root.getLevel();
        PrintStream out = System.out;
        PrintStream err = System.err;
        LeakCheck check = start();
        assertThat(root.getLevel()).isEqualTo(Level.TRACE);
        assertThat(System.out).isNotSameAs(out);
        System.err.println(TOKEN);

        assertThatThrownBy(check::close).isInstanceOf(AssertionError.class).hasMessageContaining("standard error");

        assertThat(root.getLevel()).isEqualTo(rootLevel);
        assertThat(System.out).isSameAs(out);
        assertThat(System.err).isSameAs(err);
        assertThat(root.getAppender("rotor-leak-check")).isNull();
    }

    @Test
    void ignoredLoggers_areNotScanned_andKeepTheirLevel() {
        Logger standIn = (Logger) LoggerFactory.getLogger("org.example.standin");
        standIn.setLevel(Level.INFO);
        try {
            LeakCheck check = start(LeakCheck.builder().plant(PASSWORD).ignoreLoggers("org.example.standin"));

            standIn.info("request body {\"password\":\"{}\"}", PASSWORD);

            assertThat(standIn.getLevel()).isEqualTo(Level.INFO);
            assertThat(check.findings()).isEmpty();
            assertThat(check.logLines()).isEmpty();
        } finally {
            standIn.setLevel(null);
        }
    }

    @Test
    void clear_forgetsWhatWasCaptured_andCaptureGoesOn() {
        LeakCheck check = start();
        LoggerFactory.getLogger(CANARY).info(PASSWORD);
        System.out.println(PASSWORD);
        check.check(PASSWORD);

        check.clear();
        assertThat(check.findings()).isEmpty();
        LoggerFactory.getLogger(CANARY).info(TOKEN);

        assertThat(check.findings())
                .extracting(LeakCheck.Finding::plantedIndexes)
                .containsExactly(List.of(1));
    }

    @Test
    void builder_withoutPlantedValues_orWithAShortOne_failsNamingPlant() {
        assertThatThrownBy(() -> LeakCheck.builder().start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("plant:");
        assertThatThrownBy(() -> LeakCheck.builder().plant("abc").start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("plant:")
                .hasMessageContaining("4 characters")
                .hasMessageNotContaining("abc");
    }

    @Test
    void captureSwitchedOff_leavesStreamsAndLoggersAlone() {
        PrintStream out = System.out;
        LeakCheck check = start(LeakCheck.builder()
                .plant(PASSWORD)
                .captureStandardStreams(false)
                .captureLogs(false));

        System.out.println(PASSWORD);
        LoggerFactory.getLogger(CANARY).error(PASSWORD);

        assertThat(System.out).isSameAs(out);
        assertThat(check.capturesLogs()).isFalse();
        assertThat(check.findings()).isEmpty();
    }

    @Test
    void concurrentLogsPrintsEventsAndChecks_areAllCaptured() throws InterruptedException {
        LeakCheck check = start();
        int threads = 8;
        int each = 50;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < each; i++) {
                    LoggerFactory.getLogger(CANARY).info("n{} {}", i, PASSWORD);
                    check.check(new IllegalStateException(TOKEN));
                    check.onEvent(SecretEvent.builder(SecretEventType.LOADED, Instant.EPOCH)
                            .detail(TOKEN)
                            .build());
                }
            });
            w.start();
            workers.add(w);
        }
        go.countDown();
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(w.isAlive()).isFalse();
        }

        List<LeakCheck.Finding> found = check.findings();

        assertThat(found).filteredOn(f -> f.channel().startsWith("log ")).hasSize(threads * each);
        assertThat(found)
                .filteredOn(f -> f.channel().equals("exception java.lang.IllegalStateException message"))
                .hasSize(threads * each);
        assertThat(found)
                .filteredOn(f -> f.channel().equals("event LOADED detail"))
                .hasSize(threads * each);
        check.clear();
    }

    /**
     * The kit declares logback optional: loaded where logback is missing, the class still works on every other
     * channel and says that it does not capture logs.
     */
    @Test
    void withoutLogbackOnTheClassPath_loadsAndChecksTheOtherChannels() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isEmpty() && !Path.of(entry).getFileName().toString().startsWith("logback")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        try (URLClassLoader noLogback =
                new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("ch.qos.logback.classic.LoggerContext", false, noLogback))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> type = Class.forName(LeakCheck.class.getName(), true, noLogback);
            assertThat(type.getClassLoader()).isSameAs(noLogback);
            Object builder = type.getMethod("builder").invoke(null);
            builder.getClass().getMethod("plant", String[].class).invoke(builder, (Object) new String[] {PASSWORD});
            Object check = builder.getClass().getMethod("start").invoke(builder);
            try {
                assertThat(type.getMethod("capturesLogs").invoke(check)).isEqualTo(false);
                type.getMethod("check", Object[].class)
                        .invoke(check, (Object) new Object[] {new IllegalStateException("rejected " + PASSWORD)});
                System.out.println("printed " + PASSWORD);
            } finally {
                Throwable closed = catchThrowable(() -> type.getMethod("close").invoke(check));
                assertThat(closed).isInstanceOf(InvocationTargetException.class);
                assertThat(closed.getCause())
                        .isInstanceOf(AssertionError.class)
                        .hasMessageContaining("exception java.lang.IllegalStateException message")
                        .hasMessageContaining("standard output")
                        .message()
                        .doesNotContain(PASSWORD);
            }
        }
    }
}
