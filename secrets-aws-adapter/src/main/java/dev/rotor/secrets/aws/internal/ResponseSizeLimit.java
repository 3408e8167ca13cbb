package dev.rotor.secrets.aws.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.Abortable;

/**
 * Caps the size of every successful answer before the SDK reads it, from the service's documented limits: an answer
 * whose {@code Content-Length} is over the cap is refused before its body is read, and a body that grows past the cap
 * (chunked, or longer than announced) is refused at the first byte over it. The refusal is a {@link TooLarge} that
 * names the operation and the cap, never the body; {@link AwsErrors} maps it to a {@code SecretFormatException}.
 * Error answers pass untouched ({@link ErrorMessageRedactor} bounds those). Stateless and thread-safe.
 *
 * <p>The caps: a secret value is at most 64 KiB ({@code SecretString} up to 65,536 characters, {@code SecretBinary} up
 * to 65,536 bytes, 87,384 in base64). JSON writes a character in at most six bytes (a control character as a six-character escape), so one
 * value
 * takes at most 384 KiB on the wire, and its metadata (ARN, name, version id, up to 20 staging labels, dates) at most a
 * few KiB more:
 *
 * <ul>
 *   <li>{@code GetSecretValue}: {@value #VALUE_CAP} bytes (512 KiB);
 *   <li>{@code BatchGetSecretValue}: {@value #BATCH_CAP} bytes (10 MiB and 64 KiB), 20 values (the most one call
 *       answers) and the {@code Errors} list and next token;
 *   <li>every other operation ({@code DescribeSecret}, {@code RotateSecret}, ...; metadata only, a secret has at most
 *       100 versions, 20 staging labels and 50 tags): {@value #METADATA_CAP} bytes (256 KiB).
 * </ul>
 */
public final class ResponseSizeLimit implements ExecutionInterceptor {
    /** The most bytes of a {@code GetSecretValue} answer. */
    public static final long VALUE_CAP = 512L * 1024;
    /** The most bytes of a {@code BatchGetSecretValue} answer. */
    public static final long BATCH_CAP = 20 * VALUE_CAP + 64L * 1024;
    /** The most bytes of an answer to any other operation. */
    public static final long METADATA_CAP = 256L * 1024;

    /** The cap for one operation's answers. */
    public static long capOf(String operation) {
        if ("GetSecretValue".equals(operation)) {
            return VALUE_CAP;
        }
        if ("BatchGetSecretValue".equals(operation)) {
            return BATCH_CAP;
        }
        return METADATA_CAP;
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(
            Context.ModifyHttpResponse context, ExecutionAttributes executionAttributes) {
        Optional<InputStream> body = context.responseBody();
        if (!context.httpResponse().isSuccessful() || body.isEmpty()) {
            return body;
        }
        String operation = executionAttributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        long cap = capOf(operation);
        Optional<String> length = context.httpResponse().firstMatchingHeader("Content-Length");
        if (length.isPresent()) {
            long announced;
            try {
                announced = Long.parseLong(length.get().trim());
            } catch (NumberFormatException e) {
                announced = -1;
            }
            if (announced > cap) {
                drop(body.get());
                throw new TooLarge(operation, cap);
            }
        }
        return Optional.of(new Capped(body.get(), operation, cap));
    }

    /**
     * Lets go of a refused answer without reading the rest of it: an abortable stream (what the SDK's HTTP clients
     * hand over) is aborted, which drops the connection, because closing it would read the remainder to keep the
     * connection for reuse, megabytes from a store gone wrong, or forever from one that drips.
     */
    private static void drop(InputStream in) {
        if (in instanceof Abortable) {
            ((Abortable) in).abort();
            return;
        }
        try {
            in.close();
        } catch (IOException e) {
            // the connection is dropped either way
        }
    }

    /**
     * An answer over its cap. Unchecked and not an {@link IOException}, so that the SDK neither retries it nor reads
     * on; its message names the operation and the cap only.
     */
    public static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String operation;
        private final long cap;

        TooLarge(String operation, long cap) {
            super(operation + " answer is larger than " + cap + " bytes", null, false, false);
            this.operation = operation;
            this.cap = cap;
        }

        public String operation() {
            return operation;
        }

        public long cap() {
            return cap;
        }
    }

    /** Counts what is read and fails at the first byte over the cap. */
    private static final class Capped extends FilterInputStream implements Abortable {
        private final String operation;
        private final long cap;
        private long read;

        Capped(InputStream in, String operation, long cap) {
            super(in);
            this.operation = operation;
            this.cap = cap;
        }

        @Override
        public void abort() {
            if (in instanceof Abortable) {
                ((Abortable) in).abort();
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            // never read more than one byte past the cap
            long room = cap - read + 1;
            int n = super.read(b, off, (int) Math.min(len, Math.max(1, room)));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(Math.min(n, cap - read + 1));
            if (s > 0) {
                count(s);
            }
            return s;
        }

        private void count(long n) {
            read += n;
            if (read > cap) {
                drop(in);
                throw new TooLarge(operation, cap);
            }
        }
    }
}
