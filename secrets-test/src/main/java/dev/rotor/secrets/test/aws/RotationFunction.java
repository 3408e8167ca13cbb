package dev.rotor.secrets.test.aws;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A rotation function written in Java, standing in for the Lambda function that AWS Secrets Manager invokes to rotate
 * a secret. The fake calls the four steps in order, each {@link SecretsManagerFake.Builder#rotationStepDelay later}
 * than the one before on the fake's scheduler, after {@code RotateSecret} has answered, as the service invokes its
 * Lambda function asynchronously. Each step receives the secret's ARN (the service sends the ARN as the {@code
 * SecretId} of the event), the {@code ClientRequestToken} of the new version, and the fake, whose Java methods are the
 * function's view of the store. A step that throws ends the rotation where it stands (the {@code AWSPENDING} label stays
 * where the function put it, so a later {@code RotateSecret} is refused, as the service refuses it).
 *
 * <pre>{@code
 * fake.enableRotation("prod/db", RotationFunction.generating(previous -> newPasswordJson()), 30);
 * }</pre>
 *
 * A function's steps run on the fake's scheduler thread (under a {@code ManualScheduler}, inside the test's {@code
 * advance}); they must not block.
 */
public interface RotationFunction {
    /** Puts a new version with the label {@code AWSPENDING} under the version id {@code token}, unless it exists. */
    void createSecret(String secretId, String token, SecretsManagerFake store);

    /** Sets the pending credentials in the protected service (a database, say). Does nothing unless overridden. */
    default void setSecret(String secretId, String token, SecretsManagerFake store) {}

    /** Tests the pending credentials against the protected service. Does nothing unless overridden. */
    default void testSecret(String secretId, String token, SecretsManagerFake store) {}

    /** Moves {@code AWSCURRENT} to the version {@code token} (the store moves {@code AWSPREVIOUS} along). */
    void finishSecret(String secretId, String token, SecretsManagerFake store);

    /**
     * The standard single-user rotation: createSecret puts {@code next.apply(current SecretString)} as the {@code
     * AWSPENDING} version (once per token), finishSecret moves {@code AWSCURRENT} to it.
     */
    static RotationFunction generating(UnaryOperator<String> next) {
        Objects.requireNonNull(next, "next");
        return new RotationFunction() {
            @Override
            public void createSecret(String secretId, String token, SecretsManagerFake store) {
                if (store.versionIdsToStages(secretId).containsKey(token)) {
                    return;
                }
                String current = store.secretString(secretId, SecretsManagerFake.AWSCURRENT)
                        .orElse(null);
                store.putSecretValue(secretId, token, next.apply(current), SecretsManagerFake.AWSPENDING);
            }

            @Override
            public void finishSecret(String secretId, String token, SecretsManagerFake store) {
                String current = store.versionWith(secretId, SecretsManagerFake.AWSCURRENT)
                        .orElse(null);
                if (token.equals(current)) {
                    return;
                }
                store.updateSecretVersionStage(secretId, SecretsManagerFake.AWSCURRENT, token, current);
            }

            @Override
            public String toString() {
                return "RotationFunction.generating";
            }
        };
    }
}
