package dev.rotor.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The grammar {@code scheme:path[#field][?key=value&...]}: what parses, what it means, and every rejection. */
class SecretRefTest {

    /** Parses {@code text}, expecting a rejection, and checks what every rejection message must obey. */
    private static InvalidSecretRefException rejected(String text) {
        InvalidSecretRefException e =
                catchThrowableOfType(InvalidSecretRefException.class, () -> SecretRef.parse(text));
        assertThat(e).as("parse(%s) must be rejected", printable(text)).isNotNull();
        assertThat(e.getMessage()).isNotBlank().doesNotContainPattern("\\p{Cc}");
        assertThat(e.isRetryable()).isFalse();
        assertThat(e.ref()).isEmpty();
        SecretRefFuzzTest.assertQuotesAtMostAnExcerpt(text, e.getMessage(), () -> "message for " + printable(text));
        return e;
    }

    private static void rejectedWith(String text, String expectedProblem) {
        assertThat(rejected(text).getMessage()).contains(expectedProblem);
    }

    private static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder();
        for (char c : text.toCharArray()) {
            sb.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.length() > 80 ? sb.substring(0, 80) + "..." : sb.toString();
    }

    @Nested
    class ValidForms {

        @Test
        void vaultKv_withField() {
            SecretRef ref = SecretRef.parse("vault:secret/app/db#password");

            assertThat(ref.scheme()).isEqualTo("vault");
            assertThat(ref.path()).isEqualTo("secret/app/db");
            assertThat(ref.field()).contains("password");
            assertThat(ref.parameters()).isEmpty();
            assertThat(ref).hasToString("vault:secret/app/db#password");
        }

        @Test
        void vaultDynamicPath_hasNoField() {
            SecretRef ref = SecretRef.parse("vault:database/creds/app");

            assertThat(ref.scheme()).isEqualTo("vault");
            assertThat(ref.path()).isEqualTo("database/creds/app");
            assertThat(ref.field()).isEmpty();
            assertThat(ref.withoutField()).isSameAs(ref);
        }

        @Test
        void awsName_withStageParameter() {
            SecretRef ref = SecretRef.parse("aws-sm:prod/db?stage=AWSPENDING");

            assertThat(ref.scheme()).isEqualTo("aws-sm");
            assertThat(ref.path()).isEqualTo("prod/db");
            assertThat(ref.field()).isEmpty();
            assertThat(ref.parameters()).containsExactly(Map.entry("stage", "AWSPENDING"));
            assertThat(ref.parameter("stage")).contains("AWSPENDING");
            assertThat(ref.parameter("versionId")).isEmpty();
        }

        @Test
        void awsArn_schemeEndsAtTheFirstColon() {
            String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf";
            SecretRef ref = SecretRef.parse("aws-sm:" + arn);

            assertThat(ref.scheme()).isEqualTo("aws-sm");
            assertThat(ref.path()).isEqualTo(arn);
            assertThat(ref).hasToString("aws-sm:" + arn);
        }

        @Test
        void httpsUrlPath_keepsItsDoubleSlash_andNoOtherEmptySegment() {
            SecretRef ref = SecretRef.parse("azure-kv:https://myvault.vault.azure.net/secrets/db#password");

            assertThat(ref.scheme()).isEqualTo("azure-kv");
            assertThat(ref.path()).isEqualTo("https://myvault.vault.azure.net/secrets/db");
            assertThat(ref.field()).contains("password");
            assertThatThrownBy(() -> SecretRef.parse("azure-kv:https://myvault.vault.azure.net//db"))
                    .isInstanceOf(InvalidSecretRefException.class);
            assertThatThrownBy(() -> SecretRef.parse("azure-kv:ftp://host/x"))
                    .isInstanceOf(InvalidSecretRefException.class);
        }

        @Test
        void awsArn_withFieldAndParameter() {
            SecretRef ref =
                    SecretRef.parse("aws-sm:arn:aws:secretsmanager:us-east-1:1:secret:x-AbC#user?stage=AWSCURRENT");

            assertThat(ref.path()).isEqualTo("arn:aws:secretsmanager:us-east-1:1:secret:x-AbC");
            assertThat(ref.field()).contains("user");
            assertThat(ref.parameter("stage")).contains("AWSCURRENT");
        }

        @Test
        void fileAbsolutePath_keepsTheLeadingSlash() {
            SecretRef ref = SecretRef.parse("file:/run/secrets/db");

            assertThat(ref.scheme()).isEqualTo("file");
            assertThat(ref.path()).isEqualTo("/run/secrets/db");
        }

        @Test
        void env_variableName() {
            SecretRef ref = SecretRef.parse("env:DB_PASSWORD");

            assertThat(ref.scheme()).isEqualTo("env");
            assertThat(ref.path()).isEqualTo("DB_PASSWORD");
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "a:b",
                    "s3+kms.v2-x:bucket/key",
                    "vault:secret/data/app/db.prod#db-password",
                    "vault:a/b.c/..d/e..#f",
                    "vault:é/日本/🔑",
                    "k:a b/c",
                    "k:x#field with space inside",
                    "k:x?a=1&b=2&c=3",
                    "k:x?a.b-c_d=v:w/x&Z9=1",
                })
        void otherValidForms_roundTripThroughTheirCanonicalForm(String text) {
            SecretRef ref = SecretRef.parse(text);

            assertThat(SecretRef.parse(ref.toString())).isEqualTo(ref);
        }

        @Test
        void inputOfExactlyMaxLength_isAccepted() {
            String text = "k:" + "a".repeat(SecretRef.MAX_LENGTH - 2);

            assertThat(SecretRef.parse(text).path()).hasSize(SecretRef.MAX_LENGTH - 2);
        }

        @Test
        void schemeOf32Characters_isAccepted() {
            assertThat(SecretRef.parse("a".repeat(32) + ":x").scheme()).hasSize(32);
        }
    }

    @Nested
    class CanonicalFormAndEquality {

        @Test
        void parameters_areSortedInTheCanonicalForm() {
            SecretRef ref = SecretRef.parse("aws-sm:prod/db?versionId=v1&stage=AWSPENDING");

            assertThat(ref).hasToString("aws-sm:prod/db?stage=AWSPENDING&versionId=v1");
            assertThat(ref.parameters().keySet()).containsExactly("stage", "versionId");
        }

        @Test
        void parametersInAnotherOrder_giveEqualRefs() {
            SecretRef a = SecretRef.parse("k:x#f?b=2&a=1&c=3");
            SecretRef b = SecretRef.parse("k:x#f?c=3&a=1&b=2");

            assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).hasToString(b.toString());
        }

        @Test
        void differentParts_giveDifferentRefs() {
            SecretRef base = SecretRef.parse("k:x#f?a=1");

            assertThat(base)
                    .isNotEqualTo(SecretRef.parse("j:x#f?a=1"))
                    .isNotEqualTo(SecretRef.parse("k:y#f?a=1"))
                    .isNotEqualTo(SecretRef.parse("k:x#g?a=1"))
                    .isNotEqualTo(SecretRef.parse("k:x?a=1"))
                    .isNotEqualTo(SecretRef.parse("k:x#f?a=2"))
                    .isNotEqualTo(SecretRef.parse("k:x#f"))
                    .isNotEqualTo("k:x#f?a=1")
                    .isNotEqualTo(null);
        }

        @Test
        void parameters_areUnmodifiable() {
            SecretRef ref = SecretRef.parse("k:x?a=1");

            assertThatThrownBy(() -> ref.parameters().put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void withoutField_keepsSchemePathAndParameters() {
            SecretRef ref = SecretRef.parse("aws-sm:prod/db#password?stage=AWSPENDING");

            SecretRef whole = ref.withoutField();

            assertThat(whole).hasToString("aws-sm:prod/db?stage=AWSPENDING");
            assertThat(whole.field()).isEmpty();
            assertThat(whole.parameters()).isEqualTo(ref.parameters());
            assertThat(whole).isNotEqualTo(ref);
        }

        @Test
        void withField_addsOrReplacesTheField() {
            SecretRef ref = SecretRef.parse("aws-sm:prod/db?stage=AWSPENDING");

            SecretRef user = ref.withField("username");

            assertThat(user).hasToString("aws-sm:prod/db#username?stage=AWSPENDING");
            assertThat(user.field()).contains("username");
            assertThat(user).isEqualTo(SecretRef.parse("aws-sm:prod/db#username?stage=AWSPENDING"));
            assertThat(user.withField("password")).hasToString("aws-sm:prod/db#password?stage=AWSPENDING");
            assertThat(user.withoutField()).isEqualTo(ref);
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "a#b", "a?b=c", " a", "a ", "a\nb", "\u0000"})
        void withField_rejectsAnInvalidName(String name) {
            SecretRef ref = SecretRef.parse("k:x?a=1");

            assertThatThrownBy(() -> ref.withField(name))
                    .isInstanceOf(InvalidSecretRefException.class)
                    .message()
                    .doesNotContainPattern("\\p{Cc}");
        }

        @Test
        void withField_rejectsAResultLongerThanMaxLength() {
            String text = "k:" + "p".repeat(SecretRef.MAX_LENGTH - 10) + "?a=12345";
            SecretRef ref = SecretRef.parse(text);

            assertThatThrownBy(() -> ref.withField("field"))
                    .isInstanceOf(InvalidSecretRefException.class)
                    .hasMessageContaining("longer than " + SecretRef.MAX_LENGTH);
        }

        @Test
        void of_buildsFromParts() {
            SecretRef ref = SecretRef.of("vault", "secret/app/db");

            assertThat(ref).isEqualTo(SecretRef.parse("vault:secret/app/db"));
        }

        @Test
        void of_rejectsPartsThatDoNotComeBackIntact() {
            assertThatThrownBy(() -> SecretRef.of("a:b", "c")).isInstanceOf(InvalidSecretRefException.class);
            assertThatThrownBy(() -> SecretRef.of("vault", "a#b")).isInstanceOf(InvalidSecretRefException.class);
            assertThatThrownBy(() -> SecretRef.of("vault", "a?stage=X")).isInstanceOf(InvalidSecretRefException.class);
            assertThatThrownBy(() -> SecretRef.of("", "a")).isInstanceOf(InvalidSecretRefException.class);
            assertThatThrownBy(() -> SecretRef.of(null, "a")).isInstanceOf(NullPointerException.class);
        }

        @Test
        void parameter_accessors() {
            SecretRef ref = SecretRef.parse("k:x?z=26&a=1");

            assertThat(ref.parameters()).containsExactly(Map.entry("a", "1"), Map.entry("z", "26"));
            assertThat(ref.parameter("a")).isEqualTo(Optional.of("1"));
            assertThat(ref.parameter("A")).isEmpty();
            assertThat(SecretRef.parse("k:x").parameters()).isEmpty();
        }
    }

    @Nested
    class RequireParameters {

        @Test
        void knownParameters_pass() {
            SecretRef ref = SecretRef.parse("aws-sm:prod/db?stage=AWSPENDING");

            assertThat(ref.requireParameters(Set.of("stage", "versionId"), "aws-sm"))
                    .isSameAs(ref);
            assertThat(SecretRef.parse("k:x").requireParameters(Set.of(), "k")).isNotNull();
        }

        @Test
        void unknownParameter_namesTheParameterTheRefAndTheSource() {
            SecretRef ref = SecretRef.parse("aws-sm:prod/db?stage=AWSPENDING&region=eu");

            assertThatThrownBy(() -> ref.requireParameters(Set.of("stage", "versionId"), "aws-prod"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .isNotInstanceOf(InvalidSecretRefException.class)
                    .hasMessageContaining("unknown parameter 'region'")
                    .hasMessageContaining("[stage, versionId]")
                    .hasMessageContaining("ref=" + ref)
                    .hasMessageContaining("source=aws-prod")
                    .satisfies(e -> {
                        SecretException se = (SecretException) e;
                        assertThat(se.ref()).contains(ref);
                        assertThat(se.source()).contains("aws-prod");
                        assertThat(se.isRetryable()).isFalse();
                    });
        }
    }

    @Nested
    class Rejections {

        @Test
        void nullInput() {
            rejectedWith(null, "must not be null");
        }

        @Test
        void emptyInput() {
            rejectedWith("", "must not be empty");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault", "secret/app/db", "DB_PASSWORD", "#f", "?a=b"})
        void noColon(String text) {
            rejectedWith(text, "has no scheme");
        }

        @ParameterizedTest
        @ValueSource(strings = {":path", ":", "::x"})
        void emptyScheme(String text) {
            rejectedWith(text, "has an empty scheme");
        }

        @ParameterizedTest
        @ValueSource(strings = {"Vault:x", "VAULT:x", "1vault:x", "-v:x", "é:x"})
        void schemeNotStartingWithALowerCaseLetter(String text) {
            rejectedWith(text, "does not start with a lower-case letter");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vAult:x", "va_ult:x", "va ult:x", "va/ult:x", "v#a:x", "v?a:x", "vé:x"})
        void illegalSchemeCharacter(String text) {
            rejectedWith(text, "a character other than a-z, 0-9, '-', '+' or '.'");
        }

        @Test
        void schemeLongerThan32Characters() {
            rejectedWith("a".repeat(33) + ":x", "scheme longer than 32");
        }

        @Test
        void inputLongerThanMaxLength() {
            String text = "vault:" + "x".repeat(SecretRef.MAX_LENGTH);

            InvalidSecretRefException e = rejected(text);

            assertThat(e.getMessage())
                    .contains("longer than " + SecretRef.MAX_LENGTH)
                    .hasSizeLessThan(200);
        }

        @Test
        void hugeInput_isRejectedWithAShortMessage() {
            String text = "vault:" + "x".repeat(5_000_000);

            assertThat(rejected(text).getMessage()).hasSizeLessThan(200);
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "vault:a\nb",
                    "vault:a\rb",
                    "vault:a\tb",
                    "vault:a\u0000b",
                    "vault:a\u001bb",
                    "vault:a\u007fb",
                    "vault:a\u0085b",
                    "vault:a\u009fb",
                    "vault:a#f\nx",
                    "vault:a?k=v\u0000",
                    "\nvault:a",
                })
        void controlCharacters(String text) {
            InvalidSecretRefException e = rejected(text);

            assertThat(e.getMessage()).contains("contains a control character at index " + firstControl(text));
        }

        private int firstControl(String text) {
            for (int i = 0; i < text.length(); i++) {
                if (Character.isISOControl(text.charAt(i))) {
                    return i;
                }
            }
            throw new AssertionError("no control character");
        }

        @ParameterizedTest
        @ValueSource(
                strings = {
                    "vault:a\u2028b", // line separator
                    "vault:a\u2029b", // paragraph separator
                    "vault:a\u202eb", // right-to-left override
                    "vault:a\u200bb", // zero-width space
                    "vault:a#f\ufeff", // zero-width no-break space
                })
        void invisibleOrLineBreakingCharacters(String text) {
            InvalidSecretRefException e = rejected(text);

            assertThat(e.getMessage()).contains("invisible or line-breaking character");
            assertThat(e.getMessage()).doesNotContain(text.substring(text.length() - 2));
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a\ud800", "vault:a\udc00b", "vault:\udbff\udbffx", "vault:a\udc00\ud800"})
        void unpairedSurrogates(String text) {
            rejectedWith(text, "unpaired surrogate");
        }

        @Test
        void pairedSurrogates_areAccepted() {
            assertThat(SecretRef.parse("vault:key/\ud83d\udd11").path()).isEqualTo("key/🔑");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:", "vault:#f", "vault:?a=b", "vault:#f?a=b"})
        void emptyPath(String text) {
            rejectedWith(text, "has an empty path");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault: ", "vault:   #f", "vault:\u2003?a=b"})
        void blankPath(String text) {
            rejectedWith(text, "has a blank path");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault: a", "vault:a ", "vault:a/b #f"})
        void pathWithSurroundingWhiteSpace(String text) {
            rejectedWith(text, "path with leading or trailing white space");
        }

        @ParameterizedTest
        @ValueSource(strings = {"file:..", "file:../etc/passwd", "file:/run/../etc", "vault:a/..", "vault:a/../b#f"})
        void dotDotSegments(String text) {
            rejectedWith(text, "has a '..' segment");
        }

        @ParameterizedTest
        @ValueSource(strings = {"file:.", "file:./x", "file:/run/./x", "vault:a/."})
        void dotSegments(String text) {
            rejectedWith(text, "has a '.' segment");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a//b", "file://x", "file:/", "vault:a/", "vault:a/b/#f", "vault:a/?k=v"})
        void emptySegmentsAndTrailingSlash(String text) {
            rejectedWith(text, "has an empty segment");
        }

        @ParameterizedTest
        @ValueSource(strings = {"file:C:\\x", "vault:a\\b", "vault:\\"})
        void backslash(String text) {
            rejectedWith(text, "backslash");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a#", "vault:a#?k=v"})
        void emptyField(String text) {
            rejectedWith(text, "has an empty field");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a#b#c", "vault:a##", "vault:a#b#?k=v"})
        void doubleHash(String text) {
            rejectedWith(text, "more than one '#'");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a# f", "vault:a#f ", "vault:a# "})
        void fieldWithSurroundingWhiteSpace(String text) {
            rejectedWith(text, "field with leading or trailing white space");
        }

        @Test
        void emptyParameterList() {
            rejectedWith("vault:a?", "empty parameter list");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a?stage", "vault:a?=v", "vault:a?k=v&", "vault:a?&k=v", "vault:a?k=v&&j=w"})
        void parameterThatIsNotKeyEqualsValue(String text) {
            rejectedWith(text, "parameter that is not key=value");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a?stage=", "vault:a?k=v&stage="})
        void emptyParameterValue(String text) {
            rejectedWith(text, "empty value for parameter 'stage'");
        }

        @Test
        void repeatedParameter() {
            rejectedWith("vault:a?stage=A&stage=B", "repeats parameter 'stage'");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a?1k=v", "vault:a?_k=v", "vault:a?k k=v", "vault:a?k/x=v", "vault:a?ké=v"})
        void badParameterName(String text) {
            rejectedWith(text, "parameter name that is not [A-Za-z][A-Za-z0-9_.-]*");
        }

        @Test
        void parameterNameLongerThan64() {
            rejectedWith("vault:a?" + "k".repeat(65) + "=v", "parameter name that is not");
        }

        @ParameterizedTest
        @ValueSource(strings = {"vault:a?k=v=w", "vault:a?k=v#f", "vault:a?k=v?j=w"})
        void reservedCharacterInParameterValue(String text) {
            rejectedWith(text, "reserved character in the value of parameter 'k'");
        }

        @Test
        void parameterValueWithSurroundingWhiteSpace() {
            rejectedWith("vault:a?k= v", "white space around the value of parameter 'k'");
        }

        @Test
        void message_quotesAnExcerptOfAtMost64Characters() {
            String secretish = "vault:" + "s".repeat(58) + "TAIL-NEVER-QUOTED/..";

            String message = rejected(secretish).getMessage();

            assertThat(message)
                    .startsWith("invalid secret ref '" + secretish.substring(0, 64) + "...'")
                    .doesNotContain("TAIL-NEVER-QUOTED");
        }

        @Test
        void message_replacesControlCharactersAndSurrogatesInTheExcerpt() {
            String message = rejected("vault:a\u0000b\nc\ud800").getMessage();

            assertThat(message).startsWith("invalid secret ref 'vault:a?b?c?'");
        }

        @Test
        void rejection_isAConfigurationErrorThatIsNotRetryable() {
            InvalidSecretRefException e = rejected("nope");

            assertThat(e).isInstanceOf(SecretConfigurationException.class).isInstanceOf(SecretException.class);
            assertThat(e.source()).isEmpty();
        }
    }
}
