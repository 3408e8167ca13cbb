package dev.rotor.secrets.test;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The logback part of {@link LeakCheck}: only loaded once logback-classic was found on the class path, so the leak
 * check itself works without it. Attaches a capturing appender to the root logger and sets the root logger and every
 * logger with its own level to TRACE; {@link #close()} restores both.
 */
final class LogbackCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> ignored;
    private final LeakCheck.LogSink sink;
    private final Logger root;
    private final Map<Logger, Level> levels = new LinkedHashMap<>();

    private LogbackCapture(LoggerContext context, List<String> ignored, LeakCheck.LogSink sink) {
        this.ignored = ignored;
        this.sink = sink;
        this.root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        setContext(context);
        setName("rotor-leak-check");
    }

    /** Starts capturing, or answers null when SLF4J is bound to something other than logback. */
    static AutoCloseable start(List<String> ignored, LeakCheck.LogSink sink) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext)) {
            return null;
        }
        LoggerContext context = (LoggerContext) factory;
        LogbackCapture capture = new LogbackCapture(context, ignored, sink);
        synchronized (capture.levels) {
            for (Logger logger : context.getLoggerList()) {
                if (logger.getLevel() != null && !capture.isIgnored(logger.getName())) {
                    capture.levels.put(logger, logger.getLevel());
                    logger.setLevel(Level.TRACE);
                }
            }
            if (!capture.levels.containsKey(capture.root)) {
                capture.levels.put(capture.root, capture.root.getLevel());
                capture.root.setLevel(Level.TRACE);
            }
        }
        capture.start();
        capture.root.addAppender(capture);
        return capture;
    }

    private boolean isIgnored(String logger) {
        if (Logger.ROOT_LOGGER_NAME.equals(logger)) {
            return false;
        }
        for (String prefix : ignored) {
            if (logger.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (isIgnored(e.getLoggerName())) {
            return;
        }
        String formatted = String.valueOf(e.getFormattedMessage());
        StringBuilder all = new StringBuilder(formatted);
        if (!formatted.equals(e.getMessage())) {
            all.append('\n').append(e.getMessage());
        }
        Object[] args = e.getArgumentArray();
        if (args != null) {
            for (Object a : args) {
                String arg = String.valueOf(a);
                if (!formatted.contains(arg)) { // an argument without a placeholder
                    all.append('\n').append(arg);
                }
                if (a instanceof Throwable) {
                    StringWriter w = new StringWriter();
                    ((Throwable) a).printStackTrace(new PrintWriter(w));
                    all.append('\n').append(w);
                }
            }
        }
        if (e.getThrowableProxy() != null) {
            all.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
        }
        all.append('\n').append(e.getMDCPropertyMap());
        all.append('\n').append(e.getKeyValuePairs());
        sink.accept(e.getLevel().toString(), e.getLoggerName(), formatted, all.toString());
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
        synchronized (levels) {
            levels.forEach(Logger::setLevel);
            levels.clear();
        }
    }
}
