package dev.rotor.secrets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default audit sink: one JSON object per event, one per line, on the SLF4J logger {@code rotor.audit} (INFO for
 * successes, WARN for failures). Fields: {@code time, event, outcome, ref, source, version, previousVersion,
 * leaseExpiry, durationMs, errorClass, error, detail}. Never a value: events carry none. Thread-safe.
 *
 * <pre>{"time":"2026-11-25T10:00:00Z","event":"ROTATED","outcome":"SUCCESS","ref":"vault:database/creds/app",
 * "source":"vault","version":"7","previousVersion":"6","leaseExpiry":"2026-11-25T11:00:00Z","durationMs":4}</pre>
 */
public final class JsonAuditLogger implements SecretEventListener {
    /** The logger name audit records go to. */
    public static final String LOGGER_NAME = "rotor.audit";

    private static final JsonFactory JSON = new JsonFactory();
    private final Logger log;

    public JsonAuditLogger() {
        this(LoggerFactory.getLogger(LOGGER_NAME));
    }

    public JsonAuditLogger(Logger log) {
        this.log = log;
    }

    @Override
    public void onEvent(SecretEvent event) {
        boolean failure = event.outcome() == SecretEvent.Outcome.FAILURE;
        if (failure ? !log.isWarnEnabled() : !log.isInfoEnabled()) {
            return;
        }
        String line = toJson(event);
        if (failure) {
            log.warn(line);
        } else {
            log.info(line);
        }
    }

    /** The JSON record for one event, without a line break. */
    public static String toJson(SecretEvent e) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", e.time().toString());
            g.writeStringField("event", e.type().name());
            g.writeStringField("outcome", e.outcome().name());
            if (e.ref().isPresent()) {
                g.writeStringField("ref", e.ref().get().toString());
            }
            if (e.source().isPresent()) {
                g.writeStringField("source", e.source().get());
            }
            if (e.version().isPresent()) {
                g.writeStringField("version", e.version().get());
            }
            if (e.previousVersion().isPresent()) {
                g.writeStringField("previousVersion", e.previousVersion().get());
            }
            if (e.leaseExpiry().isPresent()) {
                g.writeStringField("leaseExpiry", e.leaseExpiry().get().toString());
            }
            if (e.duration().isPresent()) {
                g.writeNumberField("durationMs", e.duration().get().toMillis());
            }
            if (e.errorClass().isPresent()) {
                g.writeStringField("errorClass", e.errorClass().get());
            }
            if (e.errorMessage().isPresent()) {
                g.writeStringField("error", e.errorMessage().get());
            }
            if (e.detail().isPresent()) {
                g.writeStringField("detail", e.detail().get());
            }
            g.writeEndObject();
        } catch (IOException ex) {
            return "{\"event\":\"" + e.type() + "\",\"error\":\"audit record could not be written\"}";
        }
        return out.toString();
    }
}
