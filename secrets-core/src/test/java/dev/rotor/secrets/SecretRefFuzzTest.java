package dev.rotor.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link SecretRef#parse(String)} over random and mutated input, with fixed seeds so that every failure
 * is repeatable: it either answers a ref whose canonical form re-parses to an equal ref and breaks no rule, or throws
 * {@link InvalidSecretRefException} with a short, printable message. Nothing else.
 */
class SecretRefFuzzTest {
    private static final int ITERATIONS = 100_000;

    /** Characters that carry structure, and characters that must never get through. */
    private static final String STRUCTURAL = ":/#?&=.\\-+_ ";

    private static final char[] HOSTILE = {
        '\n', '\r', '\t', '\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009f', '\u00a0', '\u2028', '\u2029',
        '\u200b', '\u202e', '\ufeff', '\ufffd', '\ud800', '\udbff', '\udc00', '\udfff', 'é', 'ß', '日', 'Ω', '\u3000'
    };

    private static final String[] VALID = {
        "vault:secret/app/db#password",
        "vault:database/creds/app",
        "aws-sm:prod/db?stage=AWSPENDING",
        "aws-sm:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
        "aws-sm:arn:aws:secretsmanager:eu-west-1:1:secret:x#user?versionId=v1&stage=AWSCURRENT",
        "file:/run/secrets/db",
        "env:DB_PASSWORD",
        "k:a/b.c/d#f?x=1&y=2",
    };

    private static final String[] FRAGMENTS = {
        "..",
        ".",
        "/",
        "//",
        "#",
        "##",
        "?",
        "??",
        "&",
        "&&",
        "=",
        "==",
        ":",
        "::",
        "\\",
        " ",
        "%2e%2e",
        "../",
        "/..",
        "./",
        "?stage=",
        "?a=b",
        "&a=b",
        "#f",
        "a=b",
        "\ud83d\udd11",
        "\ud83d",
        "\udd11"
    };

    @Test
    void randomStrings_biasedTowardStructure() {
        check(0x5EC12E7L, ITERATIONS, r -> randomString(r, r.nextInt(10) == 0 ? 400 : 40));
    }

    @Test
    void randomStrings_withAValidPrefix() {
        check(0xA11CEL, ITERATIONS, r -> pick(r, "vault:", "aws-sm:", "file:/", "env:", "k:") + randomString(r, 30));
    }

    @Test
    void mutatedValidRefs() {
        check(0xB0B5L, ITERATIONS * 2, r -> mutate(r, pick(r, VALID), 1 + r.nextInt(4)));
    }

    @Test
    void veryLongInputs_nearTheLimit() {
        check(0x10A6L, 2_000, r -> {
            int length = SecretRef.MAX_LENGTH - 8 + r.nextInt(17);
            StringBuilder sb = new StringBuilder(pick(r, "k:", "vault:a/", "x:y#"));
            int fragmentRate = r.nextBoolean() ? 0 : 200;
            while (sb.length() < length) {
                boolean fragment = fragmentRate > 0 && r.nextInt(fragmentRate) == 0;
                sb.append(fragment ? pick(r, FRAGMENTS) : String.valueOf((char) ('a' + r.nextInt(26))));
            }
            sb.setLength(length);
            return sb.toString();
        });
    }

    @Test
    void withField_keepsTheRefValid() {
        Random r = new Random(0xF1E1DL);
        int accepted = 0;
        for (int i = 0; i < ITERATIONS / 4; i++) {
            SecretRef ref = SecretRef.parse(pick(r, VALID));
            String name = r.nextBoolean() ? mutate(r, "field", 1 + r.nextInt(3)) : randomString(r, 12);
            SecretRef withField;
            try {
                withField = ref.withField(name);
            } catch (InvalidSecretRefException e) {
                Supplier<String> context = () -> "message for field " + escape(name);
                assertThat(e.getMessage().length()).as(context).isLessThan(300);
                assertThat(noControl(e.getMessage())).as(context).isTrue();
                assertThat(pairedSurrogates(e.getMessage())).as(context).isTrue();
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError("withField(" + escape(name) + ") threw " + e, e);
            }
            accepted++;
            assertThat(withField.field()).contains(name);
            assertThat(withField.withoutField()).isEqualTo(ref.withoutField());
            checkAccepted(withField.toString(), withField);
        }
        assertThat(accepted).as("some field names were accepted").isGreaterThan(100);
    }

    @Test
    void hugeInput_isRejectedQuickly() {
        Random r = new Random(7);
        for (int i = 0; i < 20; i++) {
            String text = "vault:" + randomString(r, 10) + "x".repeat(SecretRef.MAX_LENGTH + r.nextInt(100_000));
            outcome(text);
        }
    }

    /** Runs {@code iterations} inputs from {@code generator} and checks each; some must be accepted. */
    private static void check(long seed, int iterations, Function<Random, String> generator) {
        Random r = new Random(seed);
        int accepted = 0;
        for (int i = 0; i < iterations; i++) {
            if (outcome(generator.apply(r))) {
                accepted++;
            }
        }
        assertThat(accepted).as("the generator still produces some valid refs").isPositive();
    }

    /** Parses {@code text}, checks the properties, and tells whether it was accepted. */
    private static boolean outcome(String text) {
        SecretRef ref;
        try {
            ref = SecretRef.parse(text);
        } catch (InvalidSecretRefException e) {
            checkMessage(text, e);
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(
                    "parse(" + escape(text) + ") threw " + e.getClass().getName(), e);
        }
        checkAccepted(text, ref);
        return true;
    }

    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.\\-]{0,31}");
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.\\-]{0,63}");

    private static void checkAccepted(String text, SecretRef ref) {
        String canonical = ref.toString();
        SecretRef again;
        try {
            again = SecretRef.parse(canonical);
        } catch (RuntimeException e) {
            throw new AssertionError(
                    "canonical form " + escape(canonical) + " of " + escape(text) + " does not re-parse: " + e, e);
        }
        String violation = violation(ref, again, canonical);
        if (violation != null) {
            throw new AssertionError("ref parsed from " + escape(text) + " as " + escape(canonical) + ": " + violation);
        }
        // Whether a parameter is known is decided by its name alone, and fails only with a configuration error.
        try {
            ref.requireParameters(Set.of("stage"), "fuzz");
        } catch (SecretConfigurationException e) {
            assertThat(e.getMessage()).contains("unknown parameter").contains("source=fuzz");
        }
    }

    /** What is wrong with an accepted ref, or null. Plain checks: they run hundreds of thousands of times. */
    private static String violation(SecretRef ref, SecretRef again, String canonical) {
        if (!again.equals(ref)
                || again.hashCode() != ref.hashCode()
                || !again.toString().equals(canonical)) {
            return "re-parses to another ref: " + escape(again.toString());
        }
        if (canonical.length() > SecretRef.MAX_LENGTH) {
            return "canonical form longer than " + SecretRef.MAX_LENGTH;
        }
        if (!noControl(canonical)) {
            return "holds a control character";
        }
        if (!pairedSurrogates(canonical)) {
            return "holds an unpaired surrogate";
        }
        if (!SCHEME.matcher(ref.scheme()).matches()) {
            return "bad scheme";
        }
        String path = ref.path();
        if (path.isBlank() || path.contains("\\") || path.contains("#") || path.contains("?")) {
            return "bad path";
        }
        if (path.contains("//") || path.endsWith("/")) {
            return "empty path segment";
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                return "'" + segment + "' path segment";
            }
        }
        String field = ref.field().orElse(null);
        if (field != null && (field.isEmpty() || field.contains("#") || field.contains("?"))) {
            return "bad field";
        }
        for (Map.Entry<String, String> p : ref.parameters().entrySet()) {
            String v = p.getValue();
            if (!PARAMETER_NAME.matcher(p.getKey()).matches()
                    || v.isEmpty()
                    || v.contains("=")
                    || v.contains("&")
                    || v.contains("#")
                    || v.contains("?")) {
                return "bad parameter " + escape(p.getKey());
            }
        }
        SecretRef whole = ref.withoutField();
        if (whole.field().isPresent() || !SecretRef.parse(whole.toString()).equals(whole)) {
            return "withoutField() does not round-trip";
        }
        return null;
    }

    private static void checkMessage(String text, InvalidSecretRefException e) {
        String message = e.getMessage();
        boolean ok = message != null
                && !message.isBlank()
                && message.length() < 300
                && noControl(message)
                && pairedSurrogates(message);
        if (!ok) {
            String context = "message for " + escape(text);
            assertThat(message).as(context).isNotBlank();
            assertThat(message.length()).as(context).isLessThan(300);
            assertThat(noControl(message))
                    .as(context + ": no control character in " + escape(message))
                    .isTrue();
            assertThat(pairedSurrogates(message))
                    .as(context + ": no unpaired surrogate")
                    .isTrue();
        }
        assertQuotesAtMostAnExcerpt(text, message, () -> "message for " + escape(text));
    }

    /** A rejection quotes the input only as {@code 'excerpt'}: at most its first 64 characters, then "...". */
    static void assertQuotesAtMostAnExcerpt(String text, String message, Supplier<String> context) {
        String prefix = "invalid secret ref '";
        if (text == null || text.isEmpty() || !message.startsWith(prefix)) {
            assertThat(message.length()).as(context).isLessThan(100);
            return;
        }
        int shown = Math.min(text.length(), 64);
        StringBuilder expected = new StringBuilder(prefix);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            expected.append(Character.isISOControl(c) || Character.isSurrogate(c) || invisibleOrBreaking(c) ? '?' : c);
        }
        expected.append(text.length() > 64 ? "..." : "").append("': it ");
        if (!message.startsWith(expected.toString())) {
            assertThat(message)
                    .as(() -> context.get() + ": quotes only the sanitised excerpt")
                    .startsWith(expected.toString());
        }
        if (message.length() - expected.length() >= 200) {
            assertThat(message.length() - expected.length())
                    .as(() -> context.get() + ": the explanation after the quote")
                    .isLessThan(200);
        }
    }

    private static boolean noControl(String s) {
        return s.chars().noneMatch(c -> Character.isISOControl(c) || invisibleOrBreaking((char) c));
    }

    private static boolean invisibleOrBreaking(char c) {
        int type = Character.getType(c);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    private static boolean pairedSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static String randomString(Random r, int maxLength) {
        int length = r.nextInt(maxLength + 1);
        StringBuilder sb = new StringBuilder(length);
        if (r.nextInt(3) > 0) {
            sb.append(pick(r, "vault", "aws-sm", "k", "file", "env", "Vault", "", "a".repeat(33)))
                    .append(':');
        }
        while (sb.length() < length) {
            sb.append(randomPiece(r));
        }
        return sb.toString();
    }

    private static String randomPiece(Random r) {
        int kind = r.nextInt(20);
        if (kind < 8) {
            return String.valueOf(STRUCTURAL.charAt(r.nextInt(STRUCTURAL.length())));
        }
        if (kind < 13) {
            return String.valueOf((char) ('a' + r.nextInt(26)));
        }
        if (kind < 15) {
            return pick(r, FRAGMENTS);
        }
        if (kind < 17) {
            return String.valueOf(HOSTILE[r.nextInt(HOSTILE.length)]);
        }
        if (kind < 18) {
            return String.valueOf((char) r.nextInt(0x10000));
        }
        if (kind < 19) {
            return new String(Character.toChars(0x10000 + r.nextInt(0x10FFFF - 0x10000)));
        }
        return String.valueOf((char) ('A' + r.nextInt(26)));
    }

    private static String mutate(Random r, String valid, int mutations) {
        StringBuilder sb = new StringBuilder(valid);
        for (int m = 0; m < mutations; m++) {
            int at = sb.length() == 0 ? 0 : r.nextInt(sb.length() + 1);
            switch (r.nextInt(6)) {
                case 0 -> sb.insert(at, randomPiece(r));
                case 1 -> {
                    if (at < sb.length()) {
                        sb.deleteCharAt(at);
                    }
                }
                case 2 -> {
                    if (at < sb.length()) {
                        sb.setCharAt(at, randomPiece(r).charAt(0));
                    }
                }
                case 3 -> sb.insert(at, pick(r, FRAGMENTS));
                case 4 -> {
                    int end = Math.min(sb.length(), at + r.nextInt(8));
                    String dup = sb.substring(at, end);
                    sb.insert(end, dup);
                }
                default -> sb.append(pick(r, FRAGMENTS)).append(randomPiece(r));
            }
        }
        return sb.toString();
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }

    private static String escape(String text) {
        StringBuilder sb = new StringBuilder();
        int limit = Math.min(text.length(), 200);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            sb.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return "\"" + sb + (text.length() > limit ? "...(" + text.length() + " chars)" : "") + "\"";
    }
}
