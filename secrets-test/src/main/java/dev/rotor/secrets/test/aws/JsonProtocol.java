package dev.rotor.secrets.test.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.test.aws.FakeStore.StoredSecret;
import dev.rotor.secrets.test.aws.FakeStore.StoredVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The AWS JSON 1.1 protocol as the Secrets Manager API reference and the AWS SDKs use it: {@code POST /}, the operation
 * in {@code X-Amz-Target: secretsmanager.<Operation>}, a JSON body in and out ({@code application/x-amz-json-1.1}),
 * timestamps as epoch seconds, blobs in base64, errors as {@code {"__type": ..., "message": ...}} with status 400 for
 * the caller's errors and 500 for the service's, and an {@code x-amzn-RequestId} on every answer.
 *
 * <p>Requests are signed with Signature Version 4 by the SDKs; the fake accepts any signature (and none) and never
 * verifies one: tests run with made-up static credentials.
 */
final class JsonProtocol implements HttpHandler {
    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final String TARGET_PREFIX = "secretsmanager.";
    private static final int MAX_BODY = 1 << 20;
    private static final int MAX_BATCH = 20;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final FakeStore store;
    private final Faults faults;
    private final TimeSource time;
    private final Consumer<FakeRequest> log;

    JsonProtocol(FakeStore store, Faults faults, TimeSource time, Consumer<FakeRequest> log) {
        this.store = store;
        this.faults = faults;
        this.time = time;
        this.log = log;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String operation = null;
        String secretId = null;
        int status;
        String errorType = null;
        byte[] answer;
        try {
            try (InputStream in = exchange.getRequestBody()) {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    throw new SecretsManagerFakeException("UnknownOperationException", 405, "Only POST is served.");
                }
                String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                if (target == null || !target.startsWith(TARGET_PREFIX)) {
                    throw SecretsManagerFakeException.client("UnknownOperationException", "Unknown operation.");
                }
                operation = target.substring(TARGET_PREFIX.length());
                byte[] body = in.readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) {
                    throw new SecretsManagerFakeException("SerializationException", 413, "The request is too large.");
                }
                JsonNode request;
                try {
                    request = body.length == 0 ? MAPPER.createObjectNode() : MAPPER.readTree(body);
                } catch (IOException e) {
                    throw SecretsManagerFakeException.client("SerializationException", "The request is not JSON.");
                }
                if (request == null || !request.isObject()) {
                    throw SecretsManagerFakeException.client("SerializationException", "The request is not an object.");
                }
                secretId = text(request, "CreateSecret".equals(operation) ? "Name" : "SecretId");
                hold(faults.delay(operation));
                faults.check(operation);
                if (secretId != null) {
                    StoredSecret s = store.find(secretId);
                    if (faults.denied(operation, s != null ? s.name : secretId)) {
                        throw Faults.denied(operation);
                    }
                }
                answer = MAPPER.writeValueAsBytes(dispatch(operation, request));
                status = 200;
            }
        } catch (SecretsManagerFakeException e) {
            status = e.statusCode();
            errorType = e.errorType();
            if (e.retryAfter() != null) {
                exchange.getResponseHeaders().set("Retry-After", e.retryAfter());
            }
            ObjectNode err = MAPPER.createObjectNode();
            err.put("__type", e.errorType());
            err.put("message", e.serviceMessage());
            answer = MAPPER.writeValueAsBytes(err);
        } catch (RuntimeException e) {
            status = 500;
            errorType = "InternalServiceError";
            ObjectNode err = MAPPER.createObjectNode();
            err.put("__type", errorType);
            err.put("message", "The fake failed: " + e.getClass().getName());
            answer = MAPPER.writeValueAsBytes(err);
        }
        log.accept(new FakeRequest(time.now(), operation == null ? "" : operation, secretId, status, errorType));
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        Duration drip = operation == null ? Duration.ZERO : faults.dripInterval(operation);
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (drip.isZero() || drip.isNegative()) {
                out.write(answer);
            } else {
                dripFeed(out, answer, drip);
            }
        }
    }

    /**
     * Drip mode: the answer's headers at once, then its body one byte per {@code interval} of real time, each byte
     * flushed, so that every read of the client finds a byte well within any read timeout. Ends early when the client
     * hangs up (the write fails) or the fake stops (the sleep is interrupted).
     */
    private static void dripFeed(OutputStream out, byte[] answer, Duration interval) throws IOException {
        for (byte b : answer) {
            out.write(b);
            out.flush();
            try {
                Thread.sleep(interval.toMillis(), interval.toNanosPart() % 1_000_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("the fake is stopping");
            }
        }
    }

    /** Slow mode: holds the answer for real time (to drive a client's timeouts); interrupted when the fake stops. */
    private static void hold(Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SecretsManagerFakeException("InternalServiceError", 500, "The fake is stopping.");
        }
    }

    private ObjectNode dispatch(String operation, JsonNode r) {
        switch (operation) {
            case "CreateSecret":
                return createSecret(r);
            case "PutSecretValue":
                return putSecretValue(r);
            case "GetSecretValue": {
                StoredVersion v = getSecretValue(r);
                return value(store.find(text(r, "SecretId")), v);
            }
            case "DescribeSecret":
                return describe(store.describe(text(r, "SecretId")), true);
            case "UpdateSecretVersionStage":
                return names(store.updateStage(
                        text(r, "SecretId"),
                        text(r, "VersionStage"),
                        text(r, "MoveToVersionId"),
                        text(r, "RemoveFromVersionId")));
            case "BatchGetSecretValue":
                return batch(r);
            case "ListSecrets":
                return list(r);
            case "DeleteSecret":
                return deleteSecret(r);
            case "RestoreSecret":
                return names(store.restore(text(r, "SecretId")));
            case "RotateSecret":
                return rotateSecret(r);
            default:
                // the reference has more operations (tags, policies, replication, ...); the fake serves these only
                throw SecretsManagerFakeException.client(
                        "UnknownOperationException", "The fake does not serve " + operation + ".");
        }
    }

    private ObjectNode createSecret(JsonNode r) {
        StoredSecret s = store.create(
                text(r, "Name"),
                text(r, "Description"),
                text(r, "ClientRequestToken"),
                text(r, "SecretString"),
                binary(r, "SecretBinary"));
        ObjectNode out = names(s);
        StoredVersion current = s.withStage(SecretsManagerFake.AWSCURRENT);
        if (current != null) {
            out.put("VersionId", current.id);
        }
        return out;
    }

    private ObjectNode putSecretValue(JsonNode r) {
        String id = text(r, "SecretId");
        StoredVersion v = store.put(
                id,
                text(r, "ClientRequestToken"),
                text(r, "SecretString"),
                binary(r, "SecretBinary"),
                strings(r, "VersionStages"));
        ObjectNode out = names(store.describe(id));
        out.put("VersionId", v.id);
        ArrayNode stages = out.putArray("VersionStages");
        synchronized (store) {
            v.stages.forEach(stages::add);
        }
        return out;
    }

    private StoredVersion getSecretValue(JsonNode r) {
        return store.get(text(r, "SecretId"), text(r, "VersionId"), text(r, "VersionStage"));
    }

    private ObjectNode batch(JsonNode r) {
        List<String> ids = strings(r, "SecretIdList");
        if (r.hasNonNull("Filters")) {
            if (ids != null) {
                throw SecretsManagerFakeException.invalidParameter(
                        "Either SecretIdList or Filters must be provided," + " not both.");
            }
            // the reference allows Filters instead of SecretIdList; the fake serves SecretIdList only
            throw SecretsManagerFakeException.invalidParameter("The fake serves SecretIdList only, not Filters.");
        }
        if (ids == null || ids.isEmpty() || ids.size() > MAX_BATCH) {
            throw SecretsManagerFakeException.invalidParameter("SecretIdList must hold 1 to 20 secret ids.");
        }
        ObjectNode out = MAPPER.createObjectNode();
        ArrayNode values = out.putArray("SecretValues");
        ArrayNode errors = out.putArray("Errors");
        for (String id : ids) {
            StoredSecret s = store.find(id);
            try {
                // the reference: the caller needs secretsmanager:GetSecretValue on each secret as well
                if (faults.denied("GetSecretValue", s != null ? s.name : id)
                        || faults.denied("BatchGetSecretValue", s != null ? s.name : id)) {
                    throw Faults.denied("GetSecretValue");
                }
                values.add(value(s, store.get(id, null, null)));
            } catch (SecretsManagerFakeException e) {
                ObjectNode err = errors.addObject();
                err.put("SecretId", id);
                err.put("ErrorCode", e.errorType());
                err.put("Message", e.serviceMessage());
            }
        }
        return out;
    }

    private ObjectNode list(JsonNode r) {
        boolean planned = r.path("IncludePlannedDeletion").asBoolean(false);
        int max = r.path("MaxResults").asInt(100);
        if (max < 1 || max > 100) {
            throw SecretsManagerFakeException.invalidParameter("MaxResults must be between 1 and 100.");
        }
        int from = 0;
        String token = text(r, "NextToken");
        if (token != null) {
            try {
                from = Integer.parseInt(token);
            } catch (NumberFormatException e) {
                throw SecretsManagerFakeException.invalidParameter("Invalid NextToken.");
            }
        }
        List<StoredSecret> all = store.list(planned);
        ObjectNode out = MAPPER.createObjectNode();
        ArrayNode list = out.putArray("SecretList");
        int to = Math.min(all.size(), from + max);
        for (int i = from; i < to; i++) {
            ObjectNode entry = describe(all.get(i), false);
            list.add(entry);
        }
        if (to < all.size()) {
            out.put("NextToken", Integer.toString(to));
        }
        return out;
    }

    private ObjectNode deleteSecret(JsonNode r) {
        Integer days = r.hasNonNull("RecoveryWindowInDays")
                ? r.get("RecoveryWindowInDays").asInt()
                : null;
        boolean force = r.path("ForceDeleteWithoutRecovery").asBoolean(false);
        StoredSecret s = store.delete(text(r, "SecretId"), days, force);
        ObjectNode out = names(s);
        synchronized (store) {
            out.put("DeletionDate", seconds(s.deletionDate));
        }
        return out;
    }

    private ObjectNode rotateSecret(JsonNode r) {
        String id = text(r, "SecretId");
        Integer days = null;
        JsonNode rules = r.get("RotationRules");
        if (rules != null && rules.hasNonNull("AutomaticallyAfterDays")) {
            days = rules.get("AutomaticallyAfterDays").asInt();
        }
        // the reference: RotationRules may also hold ScheduleExpression and Duration; the fake reads
        // AutomaticallyAfterDays
        boolean immediately =
                !r.hasNonNull("RotateImmediately") || r.get("RotateImmediately").asBoolean();
        String token = store.rotate(id, text(r, "ClientRequestToken"), text(r, "RotationLambdaARN"), days, immediately);
        ObjectNode out = names(store.describe(id));
        if (token != null) {
            out.put("VersionId", token);
        }
        return out;
    }

    // ---- answers ----

    private ObjectNode names(StoredSecret s) {
        ObjectNode out = MAPPER.createObjectNode();
        out.put("ARN", s.arn);
        out.put("Name", s.name);
        return out;
    }

    private ObjectNode value(StoredSecret s, StoredVersion v) {
        ObjectNode out = names(s);
        out.put("VersionId", v.id);
        if (v.string != null) {
            out.put("SecretString", v.string);
        }
        if (v.binary != null) {
            out.put("SecretBinary", Base64.getEncoder().encodeToString(v.binary));
        }
        ArrayNode stages = out.putArray("VersionStages");
        synchronized (store) {
            v.stages.forEach(stages::add);
        }
        out.put("CreatedDate", seconds(v.created));
        return out;
    }

    private ObjectNode describe(StoredSecret s, boolean versions) {
        ObjectNode out = names(s);
        synchronized (store) {
            if (s.description != null) {
                out.put("Description", s.description);
            }
            out.put("RotationEnabled", s.rotationEnabled);
            if (s.rotationLambdaArn != null) {
                out.put("RotationLambdaARN", s.rotationLambdaArn);
            }
            if (s.rotationDays != null) {
                out.putObject("RotationRules").put("AutomaticallyAfterDays", s.rotationDays);
            }
            putDate(out, "LastRotatedDate", s.lastRotated);
            putDate(out, "LastChangedDate", s.lastChanged);
            putDate(out, "LastAccessedDate", s.lastAccessed);
            putDate(out, "DeletedDate", s.deletedDate);
            if (s.rotationEnabled) {
                putDate(out, "NextRotationDate", s.nextRotation);
            }
            putDate(out, "CreatedDate", s.created);
            ObjectNode map = out.putObject(versions ? "VersionIdsToStages" : "SecretVersionsToStages");
            for (Map.Entry<String, List<String>> e : s.versionIdsToStages().entrySet()) {
                ArrayNode a = map.putArray(e.getKey());
                e.getValue().forEach(a::add);
            }
        }
        return out;
    }

    private static void putDate(ObjectNode out, String field, Instant t) {
        if (t != null) {
            out.put(field, seconds(t));
        }
    }

    /** Epoch seconds with milliseconds, as the service writes timestamps. */
    static BigDecimal seconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli()).movePointLeft(3);
    }

    // ---- request fields ----

    private static String text(JsonNode r, String field) {
        JsonNode n = r.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw SecretsManagerFakeException.client("SerializationException", field + " must be a string.");
        }
        return n.asText();
    }

    private static byte[] binary(JsonNode r, String field) {
        String s = text(r, field);
        if (s == null) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw SecretsManagerFakeException.client("SerializationException", field + " is not base64.");
        }
    }

    private static List<String> strings(JsonNode r, String field) {
        JsonNode n = r.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isArray()) {
            throw SecretsManagerFakeException.client("SerializationException", field + " must be a list.");
        }
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }
}
