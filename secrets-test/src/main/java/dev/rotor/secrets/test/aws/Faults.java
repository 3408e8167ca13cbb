package dev.rotor.secrets.test.aws;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The faults a test asked for: throttling and internal errors (per operation or for all, for a number of requests or
 * until cleared), denials per operation or per secret, latency, and answers drip-fed a byte at a time. Checked before each request reaches the store.
 * Thread-safe.
 */
final class Faults {
    static final String ALL = "*";
    private static final int FOREVER = -1;

    private final Map<String, Integer> throttled = new HashMap<>();
    private final Map<String, Integer> failing = new HashMap<>();
    private final Set<String> deniedOperations = new HashSet<>();
    /** By secret name: the operations denied on it, {@link #ALL} for every one. */
    private final Map<String, Set<String>> deniedSecrets = new HashMap<>();

    /** The Retry-After header of a throttled answer; null: none, as the service answers. */
    private String throttleRetryAfter;

    private final Map<String, Duration> slow = new HashMap<>();
    private final Map<String, Duration> drip = new HashMap<>();

    synchronized void throttle(int times, String... operations) {
        put(throttled, times, operations);
    }

    synchronized void throttleRetryAfter(String value) {
        throttleRetryAfter = value;
    }

    synchronized void fail(int times, String... operations) {
        put(failing, times, operations);
    }

    private static void put(Map<String, Integer> into, int times, String... operations) {
        if (operations.length == 0) {
            into.put(ALL, times);
        }
        for (String op : operations) {
            into.put(op, times);
        }
    }

    synchronized void denyOperations(String... operations) {
        deniedOperations.addAll(Set.of(operations));
    }

    synchronized void denySecret(String name, String... operations) {
        Set<String> ops = deniedSecrets.computeIfAbsent(name, k -> new HashSet<>());
        if (operations.length == 0) {
            ops.add(ALL);
        }
        ops.addAll(Set.of(operations));
    }

    synchronized void slow(Duration delay, String... operations) {
        if (operations.length == 0) {
            slow.put(ALL, delay);
        }
        for (String op : operations) {
            slow.put(op, delay);
        }
    }

    synchronized void drip(Duration interval, String... operations) {
        if (operations.length == 0) {
            drip.put(ALL, interval);
        }
        for (String op : operations) {
            drip.put(op, interval);
        }
    }

    synchronized void clear() {
        throttled.clear();
        throttleRetryAfter = null;
        failing.clear();
        deniedOperations.clear();
        deniedSecrets.clear();
        slow.clear();
        drip.clear();
    }

    /** How long to hold the answer to {@code operation}. */
    synchronized Duration delay(String operation) {
        Duration d = slow.get(operation);
        return d != null ? d : slow.getOrDefault(ALL, Duration.ZERO);
    }

    /** How long to wait between two bytes of the answer to {@code operation} (zero: the answer is written at once). */
    synchronized Duration dripInterval(String operation) {
        Duration d = drip.get(operation);
        return d != null ? d : drip.getOrDefault(ALL, Duration.ZERO);
    }

    /** Throws the fault this request meets, if any: internal error, then throttling, then a denied operation. */
    synchronized void check(String operation) {
        if (take(failing, operation)) {
            throw new SecretsManagerFakeException("InternalServiceError", 500, "An error occurred on the server side.");
        }
        if (take(throttled, operation)) {
            throw SecretsManagerFakeException.client("ThrottlingException", "Rate exceeded")
                    .withRetryAfter(throttleRetryAfter);
        }
        if (deniedOperations.contains(operation) || deniedOperations.contains(ALL)) {
            throw denied(operation);
        }
    }

    /**
     * As {@link #check}, for an operation of another service on the fake's port (STS): only faults set for it by name
     * apply, never those set for every operation, which are Secrets Manager's.
     */
    synchronized void checkNamed(String operation) {
        if (takeNamed(failing, operation)) {
            throw new SecretsManagerFakeException("InternalFailure", 500, "An internal error occurred.");
        }
        if (takeNamed(throttled, operation)) {
            throw SecretsManagerFakeException.client("Throttling", "Rate exceeded");
        }
        if (deniedOperations.contains(operation)) {
            throw SecretsManagerFakeException.client(
                    "AccessDeniedException", "User is not authorized to perform: sts:" + operation);
        }
    }

    private static boolean takeNamed(Map<String, Integer> from, String operation) {
        return from.containsKey(operation) && take(from, operation);
    }

    /** Whether {@code operation} on the secret named {@code name} is denied. */
    synchronized boolean denied(String operation, String name) {
        Set<String> ops = name == null ? null : deniedSecrets.get(name);
        return ops != null && (ops.contains(ALL) || ops.contains(operation));
    }

    static SecretsManagerFakeException denied(String operation) {
        // the service's wording names the caller's identity and the resource; the fake names the action only
        return SecretsManagerFakeException.client(
                "AccessDeniedException",
                "User is not authorized to perform: secretsmanager:" + operation
                        + " because no identity-based policy allows the secretsmanager:" + operation + " action");
    }

    private static boolean take(Map<String, Integer> from, String operation) {
        String key = from.containsKey(operation) ? operation : from.containsKey(ALL) ? ALL : null;
        if (key == null) {
            return false;
        }
        int left = from.get(key);
        if (left == FOREVER) {
            return true;
        }
        if (left <= 1) {
            from.remove(key);
        } else {
            from.put(key, left - 1);
        }
        return left >= 1;
    }
}
