package dev.rotor.secrets.http;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * An OkHttp interceptor that puts the current value of a {@link SecretHeader} on every request, and on a 401 asks the
 * header for a newer value ({@link SecretHeader#afterRejection}: at most one refresh of the secret) and sends the
 * request again with it, once. It never loops: the second answer is returned whatever it is, and when the store has
 * no newer value the first 401 is returned without a retry.
 *
 * <pre>{@code
 * SecretHeader bearer = SecretHeader.bearer(secrets, "vault:secret/billing#token").bind();
 * OkHttpClient http = new OkHttpClient.Builder()
 *         .addInterceptor(SecretHeaderInterceptor.of(bearer))
 *         .build();
 * }</pre>
 *
 * <p><b>Bodies.</b> A request whose body is {@linkplain RequestBody#isOneShot() one-shot} or {@linkplain
 * RequestBody#isDuplex() duplex} cannot be sent twice: its 401 is returned as it is, without a refresh.
 *
 * <p><b>Where to add it.</b> As an application interceptor ({@code addInterceptor}), so that the retry is a new call
 * down the chain. Put no logging interceptor that prints headers before it; OkHttp's {@code HttpLoggingInterceptor}
 * masks {@code Authorization} only when told to ({@code redactHeader}).
 *
 * <p>Thread-safe: one instance serves every call of a client.
 */
public final class SecretHeaderInterceptor implements Interceptor {
    private static final int UNAUTHORIZED = 401;

    private final SecretHeader header;

    private SecretHeaderInterceptor(SecretHeader header) {
        this.header = header;
    }

    /** An interceptor that sends {@code header}. */
    public static SecretHeaderInterceptor of(SecretHeader header) {
        return new SecretHeaderInterceptor(Objects.requireNonNull(header, "header"));
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request original = chain.request();
        String sent = header.value();
        Response response = chain.proceed(with(original, sent));
        if (response.code() != UNAUTHORIZED || !replayable(original.body())) {
            return response;
        }
        Optional<String> next = header.afterRejection(sent);
        if (next.isEmpty()) {
            return response;
        }
        response.close();
        return chain.proceed(with(original, next.get()));
    }

    private Request with(Request request, String value) {
        return request.newBuilder().header(header.headerName(), value).build();
    }

    private static boolean replayable(RequestBody body) {
        return body == null || !(body.isOneShot() || body.isDuplex());
    }

    @Override
    public String toString() {
        return "SecretHeaderInterceptor{" + header + "}";
    }
}
