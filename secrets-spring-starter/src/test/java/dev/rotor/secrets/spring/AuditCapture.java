package dev.rotor.secrets.spring;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The appender {@code logback-test.xml} attaches to the audit logger {@code rotor.audit}: it survives Spring Boot
 * setting up logging again (which drops appenders added in code), so a test can read what reached the logger during a
 * real application's start-up. The records are static: tests that read them clear them first.
 */
public final class AuditCapture extends AppenderBase<ILoggingEvent> {
    private static final List<String> LINES = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent event) {
        LINES.add(event.getFormattedMessage());
    }

    static List<String> lines() {
        return List.copyOf(LINES);
    }

    static void clear() {
        LINES.clear();
    }
}
