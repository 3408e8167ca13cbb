package dev.rotor.secrets.test.aws;

import com.sun.net.httpserver.HttpExchange;
import dev.rotor.secrets.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AWS STS {@code GetCallerIdentity} as the service documents it, on the fake's port: the AWS Query protocol (a form
 * {@code Action=GetCallerIdentity&Version=2011-06-15} posted to {@code /}) answered with {@code
 * <GetCallerIdentityResponse><GetCallerIdentityResult><Arn/><UserId/><Account/></GetCallerIdentityResult>
 * <ResponseMetadata><RequestId/></ResponseMetadata></GetCallerIdentityResponse>} ({@code text/xml}); a failure is an
 * {@code <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>}. The caller is found by
 * the access key id of the request's signature (the signature itself is not verified). Only faults set for {@code
 * GetCallerIdentity} by name apply: STS is another service, and the call needs no permission.
 */
final class StsQueryProtocol {
    static final String OPERATION = "GetCallerIdentity";
    private static final String NS = "https://sts.amazonaws.com/doc/2011-06-15/";
    private static final Pattern ACCESS_KEY = Pattern.compile("Credential=([^/,\\s]+)/");
    private static final int MAX_BODY = 16 * 1024;

    private final Faults faults;
    private final TimeSource time;
    private final Consumer<FakeRequest> log;
    private final Function<String, String> callerOf;
    private final String account;

    StsQueryProtocol(
            Faults faults,
            TimeSource time,
            Consumer<FakeRequest> log,
            Function<String, String> callerOf,
            String account) {
        this.faults = faults;
        this.time = time;
        this.log = log;
        this.callerOf = callerOf;
        this.account = account;
    }

    /** Whether {@code exchange} is a Query-protocol request (a form post without a JSON target header). */
    static boolean accepts(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        return exchange.getRequestHeaders().getFirst("X-Amz-Target") == null
                && type != null
                && type.startsWith("application/x-www-form-urlencoded");
    }

    void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        int status;
        String errorType = null;
        String answer;
        String action = "";
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
            action = form.getOrDefault("Action", "");
            try {
                if (body.length > MAX_BODY) {
                    throw SecretsManagerFakeException.client("ValidationError", "The request is too large.");
                }
                if (!OPERATION.equals(action) || !"2011-06-15".equals(form.get("Version"))) {
                    throw SecretsManagerFakeException.client(
                            "InvalidAction",
                            "Could not find operation " + action + " for version " + form.get("Version"));
                }
                faults.checkNamed(OPERATION);
                String arn = callerOf.apply(accessKey(exchange));
                answer = "<GetCallerIdentityResponse xmlns=\"" + NS + "\">\n  <GetCallerIdentityResult>\n    <Arn>"
                        + xml(arn) + "</Arn>\n    <UserId>" + xml(userId(arn)) + "</UserId>\n    <Account>"
                        + xml(accountOf(arn)) + "</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n"
                        + "    <RequestId>" + requestId + "</RequestId>\n  </ResponseMetadata>\n"
                        + "</GetCallerIdentityResponse>\n";
                status = 200;
            } catch (SecretsManagerFakeException e) {
                status = e.statusCode() == 400 && "AccessDeniedException".equals(e.errorType()) ? 403 : e.statusCode();
                errorType = "AccessDeniedException".equals(e.errorType()) ? "AccessDenied" : e.errorType();
                answer = "<ErrorResponse xmlns=\"" + NS + "\">\n  <Error>\n    <Type>"
                        + (status >= 500 ? "Receiver" : "Sender") + "</Type>\n    <Code>" + xml(errorType)
                        + "</Code>\n    <Message>" + xml(e.serviceMessage()) + "</Message>\n  </Error>\n  <RequestId>"
                        + requestId + "</RequestId>\n</ErrorResponse>\n";
            }
        }
        log.accept(new FakeRequest(time.now(), action, null, status, errorType));
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String accessKey(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null) {
            return null;
        }
        Matcher m = ACCESS_KEY.matcher(auth);
        return m.find() ? m.group(1) : null;
    }

    /** The unique id STS gives the caller: {@code AIDA...} for a user, {@code AROA...:<session>} for a role. */
    private static String userId(String arn) {
        String hex = Integer.toHexString(arn.hashCode() & 0x7fffffff).toUpperCase(java.util.Locale.ROOT);
        String id = (hex + "EXAMPLE00000000000").substring(0, 17);
        int assumed = arn.indexOf(":assumed-role/");
        if (assumed >= 0) {
            String rest = arn.substring(assumed + ":assumed-role/".length());
            int slash = rest.indexOf('/');
            return "AROA" + id + ":" + (slash >= 0 ? rest.substring(slash + 1) : rest);
        }
        return "AIDA" + id;
    }

    private String accountOf(String arn) {
        String[] parts = arn.split(":", 6);
        return parts.length == 6 && !parts[4].isEmpty() ? parts[4] : account;
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
