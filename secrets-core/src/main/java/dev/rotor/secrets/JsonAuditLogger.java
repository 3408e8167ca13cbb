package dev.rotor.secrets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default audit sink: one JSON object per event, one per line, on the SLF4J logger {@code rotor.audit} (INFO for
 * successes, WARN for failures). Never a value, a token or a credential: events carry none.
 *
 * <p>Fields, in this order (absent ones are left out): {@code schema} (always {@value #SCHEMA}), {@code time}, {@code
 * event}, {@code outcome}, {@code ref}, {@code source}, {@code consumer} (the pool or SSL context of a hand-over),
 * {@code version}, {@code previousVersion}, {@code leaseExpiry}, {@code durationMs}, {@code errorClass}, {@code error},
 * {@code detail}, {@code who} (the identity of the record's source: {@code known}, and {@code principal, displayName,
 * role, policies, attributes} when known, else {@code reason, errorClass, error}) and {@code where} ({@code host, pod,
 * namespace, node, pid, application, applicationVersion, deployment}). The JSON Schema of a record is the resource
 * {@value #SCHEMA_RESOURCE}; a change that breaks a reader of the records gets a new schema version.
 *
 * <pre>{"schema":"rotor.audit/1","time":"2026-11-25T10:00:00Z","event":"ROTATED","outcome":"SUCCESS",
 * "ref":"vault:database/creds/app","source":"vault","version":"7","previousVersion":"6",
 * "leaseExpiry":"2026-11-25T11:00:00Z","durationMs":4,"who":{"known":true,"principal":"5f1c...",
 * "displayName":"approle","role":"orders","policies":["default","orders"]},
 * "where":{"host":"orders-7d9f","pod":"orders-7d9f","namespace":"shop","pid":1,"application":"orders"}}</pre>
 *
 * <p>Thread-safe.
 */
public final class JsonAuditLogger implements SecretEventListener {
    /** The logger name audit records go to. */
    public static final String LOGGER_NAME = "rotor.audit";

    /** The schema version every record carries in its {@code schema} field. */
    public static final String SCHEMA = "rotor.audit/1";

    /** The class-path resource that holds the records' JSON Schema (draft 2020-12). */
    public static final String SCHEMA_RESOURCE = "dev/rotor/secrets/audit-record.schema.json";

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
            g.writeStringField("schema", SCHEMA);
            g.writeStringField("time", e.time().toString());
            g.writeStringField("event", e.type().name());
            g.writeStringField("outcome", e.outcome().name());
            if (e.ref().isPresent()) {
                g.writeStringField("ref", e.ref().get().toString());
            }
            if (e.source().isPresent()) {
                g.writeStringField("source", e.source().get());
            }
            if (e.consumer().isPresent()) {
                g.writeStringField("consumer", e.consumer().get());
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
            if (e.who().isPresent()) {
                writeWho(g, e.who().get());
            }
            if (e.where().isPresent()) {
                writeWhere(g, e.where().get());
            }
            g.writeEndObject();
        } catch (IOException ex) {
            return "{\"schema\":\"" + SCHEMA + "\",\"time\":\"" + e.time() + "\",\"event\":\"" + e.type()
                    + "\",\"outcome\":\"" + e.outcome() + "\",\"error\":\"audit record could not be written\"}";
        }
        return out.toString();
    }

    private static void writeWho(JsonGenerator g, SourceIdentity who) throws IOException {
        g.writeObjectFieldStart("who");
        g.writeBooleanField("known", who.isKnown());
        optional(g, "principal", who.principal().orElse(null));
        optional(g, "displayName", who.displayName().orElse(null));
        optional(g, "role", who.role().orElse(null));
        if (!who.policies().isEmpty()) {
            g.writeArrayFieldStart("policies");
            for (String p : who.policies()) {
                g.writeString(p);
            }
            g.writeEndArray();
        }
        if (!who.attributes().isEmpty()) {
            g.writeObjectFieldStart("attributes");
            for (String name : new TreeSet<>(who.attributes().keySet())) {
                g.writeStringField(name, who.attributes().get(name));
            }
            g.writeEndObject();
        }
        optional(g, "reason", who.reason().orElse(null));
        optional(g, "errorClass", who.errorClass().orElse(null));
        optional(g, "error", who.error().orElse(null));
        g.writeEndObject();
    }

    private static void writeWhere(JsonGenerator g, AuditContext where) throws IOException {
        g.writeObjectFieldStart("where");
        optional(g, "host", where.host().orElse(null));
        optional(g, "pod", where.pod().orElse(null));
        optional(g, "namespace", where.namespace().orElse(null));
        optional(g, "node", where.node().orElse(null));
        if (where.pid().isPresent()) {
            g.writeNumberField("pid", where.pid().get());
        }
        optional(g, "application", where.application().orElse(null));
        optional(g, "applicationVersion", where.applicationVersion().orElse(null));
        optional(g, "deployment", where.deployment().orElse(null));
        g.writeEndObject();
    }

    private static void optional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }
}
