package dev.rotor.secrets.azure.internal;

import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An Azure SDK pipeline policy, next to the wire (per retry, after the bearer-token policy), that reads every answer
 * whole and bounded: an answer longer than the cap is refused ({@link TooLarge}) before the SDK parses it, and an
 * error answer (other than the 401 of the bearer challenge, which the SDK's own policy answers) becomes a {@link
 * KeyVaultFailure} holding only the status, Key Vault's error code and inner error code and the {@code Retry-After}
 * header, never the service's message or the body.
 *
 * <pre>{@code
 * new SecretClientBuilder().addPolicy(new AnswerPolicy(64 * 1024))...
 * }</pre>
 *
 * <p>Thread-safe and stateless.
 */
public final class AnswerPolicy implements HttpPipelinePolicy {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final int cap;

    public AnswerPolicy(int cap) {
        this.cap = cap;
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        return next.process().flatMap(this::read);
    }

    private Mono<HttpResponse> read(HttpResponse response) {
        int status = response.getStatusCode();
        if (status == 401) {
            return Mono.just(response); // the bearer challenge: the SDK's credential policy answers it
        }
        String length = response.getHeaderValue("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > cap) {
                    response.close();
                    return Mono.error(new TooLarge(cap));
                }
            } catch (NumberFormatException ignored) {
                // read it and count
            }
        }
        return collect(response.getBody()).defaultIfEmpty(new byte[0]).flatMap(bytes -> {
            if (status >= 400) {
                return Mono.error(failure(response, bytes));
            }
            if (status == 200 && !isJsonObject(bytes)) {
                return Mono.error(new Malformed());
            }
            return Mono.just(new Buffered(response, bytes));
        });
    }

    private Mono<byte[]> collect(Flux<ByteBuffer> body) {
        return body.reduce(new ByteArrayOutputStream(), (out, buf) -> {
                    if (out.size() + buf.remaining() > cap) {
                        throw new TooLarge(cap);
                    }
                    byte[] chunk = new byte[buf.remaining()];
                    buf.get(chunk);
                    out.write(chunk, 0, chunk.length);
                    return out;
                })
                .map(ByteArrayOutputStream::toByteArray);
    }

    /** Whether a 200 answer is a JSON object, as every Key Vault answer is; checked before the SDK parses it. */
    private static boolean isJsonObject(byte[] body) {
        try (com.fasterxml.jackson.core.JsonParser p = MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /** A 200 answer that is not a JSON object. No message beyond that. */
    public static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed() {
            super("answer is not a JSON object", null, false, false);
        }
    }

    private static KeyVaultFailure failure(HttpResponse response, byte[] body) {
        String code = null;
        String inner = null;
        try {
            JsonNode error = MAPPER.readTree(body).path("error");
            code = text(error.path("code"));
            inner = text(error.path("innererror").path("code"));
        } catch (java.io.IOException | RuntimeException notJson) {
            // a proxy's page, or nothing: the status alone decides
        }
        return new KeyVaultFailure(response.getStatusCode(), code, inner, response.getHeaderValue("Retry-After"));
    }

    private static String text(JsonNode n) {
        if (!n.isTextual()) {
            return null;
        }
        String t = n.asText();
        // a code is an identifier; anything else is not echoed
        return t.length() <= 64 && t.matches("[A-Za-z0-9_.-]+") ? t : null;
    }

    /** An answer larger than the cap. No message beyond the cap. */
    public static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int cap;

        TooLarge(int cap) {
            super("answer larger than " + cap + " bytes", null, false, false);
            this.cap = cap;
        }

        public int cap() {
            return cap;
        }
    }

    /** An answer the whole of which was read, served from memory. */
    private static final class Buffered extends HttpResponse {
        private final HttpResponse original;
        private final byte[] body;

        Buffered(HttpResponse original, byte[] body) {
            super(original.getRequest());
            this.original = original;
            this.body = body;
        }

        @Override
        public int getStatusCode() {
            return original.getStatusCode();
        }

        @Override
        @SuppressWarnings("deprecation")
        public String getHeaderValue(String name) {
            return original.getHeaderValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return original.getHeaders();
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.defer(() -> Flux.just(ByteBuffer.wrap(body).asReadOnlyBuffer()));
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.fromSupplier(body::clone);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return getBodyAsString(StandardCharsets.UTF_8);
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.fromSupplier(() -> new String(body, charset));
        }

        @Override
        public HttpResponse buffer() {
            return this;
        }

        @Override
        public void close() {
            original.close();
        }
    }
}
