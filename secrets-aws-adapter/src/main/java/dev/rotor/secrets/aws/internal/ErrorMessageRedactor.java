package dev.rotor.secrets.aws.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * Replaces the body of every error answer with its error type alone, before the SDK reads it: the service's message
 * never reaches an SDK exception, and so never the SDK's own debug logging of failed attempts (which prints the
 * exception's message). Successful answers pass untouched. Stateless and thread-safe.
 *
 * <pre>{@code
 * SecretsManagerClient.builder().overrideConfiguration(c -> c.addExecutionInterceptor(new ErrorMessageRedactor()));
 * }</pre>
 */
public final class ErrorMessageRedactor implements ExecutionInterceptor {
    /** The most of an error body read to find its type; error bodies are a few hundred bytes. */
    private static final int MAX_ERROR_BODY = 16 * 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
            Context.ModifyHttpResponse context, ExecutionAttributes executionAttributes) {
        Optional<InputStream> body = context.responseBody();
        if (context.httpResponse().isSuccessful()) {
            return body;
        }
        String type = null;
        if (body.isPresent()) {
            try (InputStream in = body.get()) {
                byte[] bytes = in.readNBytes(MAX_ERROR_BODY);
                JsonNode node = MAPPER.readTree(bytes);
                if (node != null && node.hasNonNull("__type")) {
                    type = node.get("__type").asText();
                } else if (node != null && node.hasNonNull("code")) {
                    type = node.get("code").asText();
                }
            } catch (IOException e) {
                // not JSON: the status code and the x-amzn-ErrorType header still tell what failed
                type = null;
            } catch (UncheckedIOException e) {
                type = null;
            }
        }
        ObjectNode out = MAPPER.createObjectNode();
        if (type != null) {
            out.put("__type", type);
        }
        out.put("message", "(message withheld by Rotor)");
        return Optional.of(new ByteArrayInputStream(out.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
