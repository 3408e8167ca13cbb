package dev.rotor.secrets.test.aws;

import static dev.rotor.secrets.test.aws.SecretsManagerFake.AWSCURRENT;
import static dev.rotor.secrets.test.aws.SecretsManagerFake.AWSPENDING;
import static dev.rotor.secrets.test.aws.SecretsManagerFake.AWSPREVIOUS;

import dev.rotor.secrets.Scheduler;
import dev.rotor.secrets.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fake's state: secrets, their versions and staging labels, deletion, rotation configuration and rotations under
 * way, written from the Secrets Manager API reference. Every operation takes the store's lock; rotation steps run
 * outside it (they call back into the store). Thread-safe.
 */
final class FakeStore {
    /** The largest SecretString or SecretBinary the service stores. */
    static final int MAX_VALUE = 65_536;

    private static final String SUFFIX_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final TimeSource time;
    private final Scheduler scheduler;
    private final Duration stepDelay;
    private final String arnPrefix;
    private final String lambdaArnPrefix;
    private final SplittableRandom random;
    /** By name, in creation order. */
    private final Map<String, StoredSecret> secrets = new LinkedHashMap<>();

    private final Map<String, RotationFunction> functions = new ConcurrentHashMap<>();

    FakeStore(TimeSource time, Scheduler scheduler, Duration stepDelay, String region, String account, long seed) {
        this.time = time;
        this.scheduler = scheduler;
        this.stepDelay = stepDelay;
        this.arnPrefix = "arn:aws:secretsmanager:" + region + ":" + account + ":secret:";
        this.lambdaArnPrefix = "arn:aws:lambda:" + region + ":" + account + ":function:";
        this.random = new SplittableRandom(seed);
    }

    static final class StoredVersion {
        final String id;
        final String string;
        final byte[] binary;
        final Instant created;
        final Set<String> stages = new LinkedHashSet<>();

        StoredVersion(String id, String string, byte[] binary, Instant created) {
            this.id = id;
            this.string = string;
            this.binary = binary;
            this.created = created;
        }

        boolean sameValue(String s, byte[] b) {
            return java.util.Objects.equals(string, s) && Arrays.equals(binary, b);
        }

        @Override
        public String toString() {
            return "StoredVersion{" + id + ", stages=" + stages + "}"; // never the value
        }
    }

    static final class StoredSecret {
        final String name;
        final String arn;
        final Instant created;
        String description;
        Instant lastChanged;
        Instant lastAccessed;
        Instant lastRotated;
        Instant nextRotation;
        Instant deletedDate;
        Instant deletionDate;
        String rotationLambdaArn;
        boolean rotationEnabled;
        Integer rotationDays;
        /** The token of a rotation whose steps have not all run. */
        String rotating;

        int rotations;
        int failedRotations;

        Scheduler.Cancellable automatic;
        final Map<String, StoredVersion> versions = new LinkedHashMap<>();

        StoredSecret(String name, String arn, Instant created) {
            this.name = name;
            this.arn = arn;
            this.created = created;
            this.lastChanged = created;
        }

        StoredVersion withStage(String stage) {
            for (StoredVersion v : versions.values()) {
                if (v.stages.contains(stage)) {
                    return v;
                }
            }
            return null;
        }

        boolean deleted() {
            return deletedDate != null;
        }

        /**
         * Whether a rotation is under way. The reference: "If the AWSPENDING staging label is present but not attached
         * to the same version as AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation
         * request is still in progress". The reference is silent on the moment between the invocation of the function
         * and its createSecret step; the fake counts an invoked, unfinished function as a rotation in progress too.
         */
        boolean rotationInProgress() {
            StoredVersion pending = withStage(AWSPENDING);
            return rotating != null || (pending != null && pending != withStage(AWSCURRENT));
        }

        Map<String, List<String>> versionIdsToStages() {
            Map<String, List<String>> out = new LinkedHashMap<>();
            for (StoredVersion v : versions.values()) {
                // the reference: only versions with staging labels are listed; the others are deprecated
                if (!v.stages.isEmpty()) {
                    out.put(v.id, List.copyOf(v.stages));
                }
            }
            return out;
        }

        @Override
        public String toString() {
            return "StoredSecret{" + name + "}";
        }
    }

    // ---- names and ids ----

    String lambdaArn(String functionName) {
        return lambdaArnPrefix + functionName;
    }

    /** The secret a SecretId names: its name or its full ARN; null when none (deleted for good included). */
    synchronized StoredSecret find(String secretId) {
        if (secretId == null) {
            return null;
        }
        purgeExpired();
        StoredSecret s = secrets.get(secretId);
        if (s != null) {
            return s;
        }
        if (secretId.startsWith("arn:")) {
            // a full ARN, with the six random characters the service appends to the name. The service also resolves a
            // partial ARN (without them) when no name makes it ambiguous; the fake does not.
            for (StoredSecret c : secrets.values()) {
                if (c.arn.equals(secretId)) {
                    return c;
                }
            }
        }
        return null;
    }

    private StoredSecret require(String secretId) {
        if (secretId == null || secretId.isEmpty()) {
            throw SecretsManagerFakeException.invalidParameter("You must provide a SecretId.");
        }
        StoredSecret s = find(secretId);
        if (s == null) {
            throw SecretsManagerFakeException.notFound("Secrets Manager can't find the specified secret.");
        }
        return s;
    }

    private StoredSecret requireLive(String secretId) {
        StoredSecret s = require(secretId);
        if (s.deleted()) {
            throw SecretsManagerFakeException.invalidRequest(
                    "You can't perform this operation on the secret because it" + " was marked for deletion.");
        }
        return s;
    }

    /** Secrets past their recovery window are gone for good (the service purges them some time after; the fake at once). */
    private void purgeExpired() {
        Instant now = time.now();
        secrets.values().removeIf(s -> s.deletionDate != null && !now.isBefore(s.deletionDate));
    }

    private String suffix() {
        StringBuilder sb = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            sb.append(SUFFIX_CHARS.charAt(random.nextInt(SUFFIX_CHARS.length())));
        }
        return sb.toString();
    }

    private static String token(String given) {
        if (given == null) {
            return UUID.randomUUID().toString();
        }
        // the reference's constraint on ClientRequestToken; the service's validation error names the member
        if (given.length() < 32 || given.length() > 64) {
            throw SecretsManagerFakeException.client(
                    "ValidationException",
                    "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member"
                            + " must have length between 32 and 64");
        }
        return given;
    }

    private static void checkValue(String string, byte[] binary, boolean required) {
        if (string != null && binary != null) {
            throw SecretsManagerFakeException.invalidParameter(
                    "You can't specify both a binary secret value and a string secret value in the same secret.");
        }
        if (required && string == null && binary == null) {
            throw SecretsManagerFakeException.invalidParameter("You must provide either SecretString or SecretBinary.");
        }
        int size = string != null
                ? string.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                : binary != null ? binary.length : 0;
        if (size > MAX_VALUE) {
            throw SecretsManagerFakeException.invalidParameter(
                    "The secret value exceeds the maximum size of 65536 bytes.");
        }
    }

    // ---- operations ----

    /** CreateSecret: the new secret, and its first version (labelled AWSCURRENT) when a value is given. */
    synchronized StoredSecret create(String name, String description, String token, String string, byte[] binary) {
        if (name == null || name.isEmpty() || name.length() > 512) {
            throw SecretsManagerFakeException.invalidParameter("Invalid name. Must be a valid name containing"
                    + " alphanumeric characters, or any of the following: -/_+=.@!");
        }
        checkValue(string, binary, false);
        purgeExpired();
        StoredSecret existing = secrets.get(name);
        if (existing != null) {
            if (existing.deleted()) {
                throw SecretsManagerFakeException.invalidRequest(
                        "You can't create this secret because a secret with this name is already scheduled for"
                                + " deletion.");
            }
            // the reference: a repeated CreateSecret with the same token and value is idempotent
            if (token != null
                    && existing.versions.containsKey(token)
                    && existing.versions.get(token).sameValue(string, binary)) {
                return existing;
            }
            throw SecretsManagerFakeException.client(
                    "ResourceExistsException", "The operation failed because the secret " + name + " already exists.");
        }
        Instant now = time.now();
        StoredSecret s = new StoredSecret(name, arnPrefix + name + "-" + suffix(), now);
        s.description = description;
        if (string != null || binary != null) {
            StoredVersion v = new StoredVersion(token(token), string, copy(binary), now);
            v.stages.add(AWSCURRENT);
            s.versions.put(v.id, v);
        } else if (token != null) {
            token(token);
        }
        secrets.put(name, s);
        return s;
    }

    /** PutSecretValue: a new version with these labels (AWSCURRENT when none), moved from the versions holding them. */
    synchronized StoredVersion put(String secretId, String token, String string, byte[] binary, List<String> stages) {
        StoredSecret s = requireLive(secretId);
        checkValue(string, binary, true);
        String id = token(token);
        StoredVersion existing = s.versions.get(id);
        if (existing != null) {
            // the reference: the same token and value is idempotent (nothing changes), another value is an error
            if (existing.sameValue(string, binary)) {
                return existing;
            }
            throw SecretsManagerFakeException.client(
                    "ResourceExistsException",
                    "You can't modify an existing version, you can only create a new version.");
        }
        List<String> labels = stages == null || stages.isEmpty() ? List.of(AWSCURRENT) : stages;
        StoredVersion v = new StoredVersion(id, string, copy(binary), time.now());
        s.versions.put(id, v);
        for (String label : labels) {
            attach(s, label, v);
        }
        s.lastChanged = time.now();
        return v;
    }

    /** Attaches {@code label} to {@code to}, taking it from the version that held it; AWSCURRENT leaves AWSPREVIOUS behind. */
    private static void attach(StoredSecret s, String label, StoredVersion to) {
        StoredVersion from = s.withStage(label);
        if (from == to) {
            return;
        }
        if (from != null) {
            from.stages.remove(label);
        }
        to.stages.add(label);
        if (AWSCURRENT.equals(label) && from != null) {
            StoredVersion previous = s.withStage(AWSPREVIOUS);
            if (previous != null) {
                previous.stages.remove(AWSPREVIOUS);
            }
            from.stages.add(AWSPREVIOUS);
        }
    }

    /** GetSecretValue: by version id, by stage, or AWSCURRENT. */
    synchronized StoredVersion get(String secretId, String versionId, String stage) {
        StoredSecret s = requireLive(secretId);
        StoredVersion v;
        if (versionId != null) {
            v = s.versions.get(versionId);
            if (v == null || (stage != null && !v.stages.contains(stage))) {
                throw SecretsManagerFakeException.notFound(
                        "Secrets Manager can't find the specified secret value for VersionId: " + versionId);
            }
        } else {
            String label = stage == null ? AWSCURRENT : stage;
            v = s.withStage(label);
            if (v == null) {
                throw SecretsManagerFakeException.notFound(
                        "Secrets Manager can't find the specified secret value for staging label: " + label);
            }
        }
        // the reference: LastAccessedDate is the date (not the time) of the last access
        s.lastAccessed = time.now().truncatedTo(ChronoUnit.DAYS);
        return v;
    }

    /** DescribeSecret: works on a secret marked for deletion too (it then shows DeletedDate). */
    synchronized StoredSecret describe(String secretId) {
        return require(secretId);
    }

    /** UpdateSecretVersionStage. */
    synchronized StoredSecret updateStage(String secretId, String stage, String moveTo, String removeFrom) {
        StoredSecret s = requireLive(secretId);
        if (stage == null || stage.isEmpty()) {
            throw SecretsManagerFakeException.invalidParameter("You must provide a VersionStage.");
        }
        StoredVersion holder = s.withStage(stage);
        if (removeFrom != null && (holder == null || !holder.id.equals(removeFrom))) {
            throw SecretsManagerFakeException.invalidParameter(
                    "The staging label " + stage + " is currently not attached to the version " + removeFrom + ".");
        }
        if (moveTo != null) {
            StoredVersion target = s.versions.get(moveTo);
            if (target == null) {
                throw SecretsManagerFakeException.notFound(
                        "Secrets Manager can't find the specified secret version: " + moveTo);
            }
            if (holder != null && holder != target && removeFrom == null) {
                // the reference: a label attached to another version must be named with RemoveFromVersionId
                throw SecretsManagerFakeException.invalidParameter("The staging label " + stage
                        + " is currently attached to version " + holder.id + ". You must specify the"
                        + " RemoveFromVersionId parameter to move it.");
            }
            attach(s, stage, target);
        } else if (removeFrom != null) {
            if (AWSCURRENT.equals(stage)) {
                // the reference: AWSCURRENT cannot be removed, only moved to another version
                throw SecretsManagerFakeException.invalidParameter(
                        "You can't remove the staging label AWSCURRENT. Move it to another version instead.");
            }
            holder.stages.remove(stage);
        } else {
            throw SecretsManagerFakeException.invalidParameter(
                    "You must specify MoveToVersionId, RemoveFromVersionId, or both.");
        }
        s.lastChanged = time.now();
        return s;
    }

    /** ListSecrets: live secrets in creation order, and those marked for deletion when asked. */
    synchronized List<StoredSecret> list(boolean includePlannedDeletion) {
        purgeExpired();
        List<StoredSecret> out = new ArrayList<>();
        for (StoredSecret s : secrets.values()) {
            if (includePlannedDeletion || !s.deleted()) {
                out.add(s);
            }
        }
        return out;
    }

    /** DeleteSecret: marks it for deletion after the recovery window, or removes it at once. */
    synchronized StoredSecret delete(String secretId, Integer recoveryDays, boolean force) {
        if (force && recoveryDays != null) {
            throw SecretsManagerFakeException.invalidParameter(
                    "You can't use ForceDeleteWithoutRecovery in" + " conjunction with RecoveryWindowInDays.");
        }
        int days = recoveryDays == null ? 30 : recoveryDays;
        if (days < 7 || days > 30) {
            throw SecretsManagerFakeException.invalidParameter(
                    "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
        }
        StoredSecret s = require(secretId);
        if (s.deleted() && !force) {
            // the reference is silent; the fake refuses to move the deletion date of a secret already marked
            throw SecretsManagerFakeException.invalidRequest(
                    "You can't perform this operation on the secret because it" + " was marked for deletion.");
        }
        Instant now = time.now();
        cancelAutomatic(s);
        s.rotating = null;
        // DeletedDate is when the deletion was asked for (as ListSecrets documents it); DeletionDate, in the answer,
        // when the recovery window ends
        s.deletedDate = now;
        s.deletionDate = force ? now : now.plus(Duration.ofDays(days));
        if (force) {
            secrets.remove(s.name);
        }
        return s;
    }

    /** RestoreSecret: cancels a scheduled deletion. */
    synchronized StoredSecret restore(String secretId) {
        StoredSecret s = require(secretId);
        s.deletedDate = null;
        s.deletionDate = null;
        scheduleAutomatic(s);
        return s;
    }

    // ---- rotation ----

    void register(String lambdaArn, RotationFunction function) {
        functions.put(lambdaArn, function);
    }

    /**
     * RotateSecret: configures rotation when given a function or rules, and unless {@code immediately} is false starts a
     * rotation: the token is answered at once, the function's steps run later on the scheduler.
     *
     * @return the token of the rotation started, or null when none was
     */
    String rotate(String secretId, String token, String lambdaArn, Integer days, boolean immediately) {
        String started;
        RotationFunction fn;
        String arn;
        synchronized (this) {
            StoredSecret s = requireLive(secretId);
            if (days != null && (days < 1 || days > 1000)) {
                throw SecretsManagerFakeException.invalidParameter(
                        "AutomaticallyAfterDays must be between 1 and 1000.");
            }
            String functionArn = lambdaArn != null ? lambdaArn : s.rotationLambdaArn;
            if (functionArn == null) {
                throw SecretsManagerFakeException.invalidRequest(
                        "No Lambda rotation function ARN is associated with this secret.");
            }
            fn = functions.get(functionArn);
            if (fn == null) {
                // the service cannot invoke a function it does not find (or may not call)
                throw SecretsManagerFakeException.client(
                        "AccessDeniedException",
                        "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy"
                                + " grants access to the principal secretsmanager.amazonaws.com.");
            }
            if (immediately && s.rotationInProgress()) {
                throw SecretsManagerFakeException.invalidRequest(
                        "A previous rotation isn't complete. That rotation will be reattempted.");
            }
            String id = token(token);
            if (immediately && s.versions.containsKey(id)) {
                throw SecretsManagerFakeException.client(
                        "ResourceExistsException", "A version with this ClientRequestToken already exists.");
            }
            s.rotationLambdaArn = functionArn;
            s.rotationEnabled = true;
            if (days != null) {
                s.rotationDays = days;
            }
            if (!immediately) {
                // the reference: without RotateImmediately the service tests the configuration (runs testSecret) and
                // waits for the schedule; the fake does not run testSecret
                if (s.rotationDays != null) {
                    s.nextRotation = time.now().plus(Duration.ofDays(s.rotationDays));
                }
                scheduleAutomatic(s);
                return null;
            }
            s.rotating = id;
            cancelAutomatic(s);
            started = id;
            arn = s.arn;
        }
        runStep(0, arn, started, fn);
        return started;
    }

    private void runStep(int step, String arn, String token, RotationFunction fn) {
        scheduler.schedule(
                () -> {
                    synchronized (this) {
                        StoredSecret s = find(arn);
                        if (s == null || !token.equals(s.rotating)) {
                            return; // deleted or cancelled meanwhile
                        }
                    }
                    try {
                        switch (step) {
                            case 0 -> fn.createSecret(arn, token, owner);
                            case 1 -> fn.setSecret(arn, token, owner);
                            case 2 -> fn.testSecret(arn, token, owner);
                            default -> fn.finishSecret(arn, token, owner);
                        }
                    } catch (RuntimeException e) {
                        synchronized (this) {
                            StoredSecret s = find(arn);
                            if (s != null && token.equals(s.rotating)) {
                                s.rotating = null; // failed: AWSPENDING stays where the function left it
                                s.failedRotations++;
                            }
                        }
                        return;
                    }
                    if (step < 3) {
                        runStep(step + 1, arn, token, fn);
                        return;
                    }
                    synchronized (this) {
                        StoredSecret s = find(arn);
                        if (s != null && token.equals(s.rotating)) {
                            s.rotating = null;
                            // the reference: the next rotation is scheduled from the date of the last rotation
                            s.lastRotated = time.now();
                            s.rotations++;
                            if (s.rotationDays != null) {
                                s.nextRotation = s.lastRotated.plus(Duration.ofDays(s.rotationDays));
                            }
                            scheduleAutomatic(s);
                        }
                    }
                },
                stepDelay);
    }

    private volatile SecretsManagerFake owner;

    /** The fake the rotation functions receive as their handle on the store. */
    void owner(SecretsManagerFake fake) {
        this.owner = fake;
    }

    /** At NextRotationDate the service starts a rotation on its own (within the rotation window; the fake at the date). */
    private void scheduleAutomatic(StoredSecret s) {
        cancelAutomatic(s);
        if (s.nextRotation == null || !s.rotationEnabled || s.deleted()) {
            return;
        }
        Duration delay = Duration.between(time.now(), s.nextRotation);
        String arn = s.arn;
        s.automatic = scheduler.schedule(
                () -> {
                    try {
                        rotate(arn, null, null, null, true);
                    } catch (SecretsManagerFakeException e) {
                        // a rotation under way or a secret marked for deletion meanwhile: nothing to start
                    }
                },
                delay);
    }

    private static void cancelAutomatic(StoredSecret s) {
        if (s.automatic != null) {
            s.automatic.cancel();
            s.automatic = null;
        }
    }

    synchronized void cancelAll() {
        for (StoredSecret s : secrets.values()) {
            cancelAutomatic(s);
            s.rotating = null;
        }
    }

    private static byte[] copy(byte[] b) {
        return b == null ? null : b.clone();
    }
}
