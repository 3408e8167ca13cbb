package dev.rotor.secrets.gcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.InvalidSecretRefException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.gcp.internal.GcpRef;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Refs are read strictly, in every form Secret Manager names a secret version by. */
class GcpRefTest {

    private static GcpRef parse(String ref) {
        return GcpRef.parse(SecretRef.parse(ref), "gcp-sm");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "gcp-sm:projects/my-project/secrets/db, projects/my-project/secrets/db/versions/latest",
        "gcp-sm:projects/my-project/secrets/db/versions/3, projects/my-project/secrets/db/versions/3",
        "gcp-sm:projects/my-project/secrets/db/versions/latest#password, projects/my-project/secrets/db/versions/latest",
        "gcp-sm:my-project/db, projects/my-project/secrets/db/versions/latest",
        "gcp-sm:my-project/db/12, projects/my-project/secrets/db/versions/12",
        "gcp-sm:my-project/db/prod-alias, projects/my-project/secrets/db/versions/prod-alias",
        "gcp-sm:123456789012/DB_pass-2, projects/123456789012/secrets/DB_pass-2/versions/latest",
        "gcp-sm:example.com:my-project/db, projects/example.com:my-project/secrets/db/versions/latest",
        "gcp-sm:projects/my-project/locations/europe-west4/secrets/db/versions/2,"
                + " projects/my-project/locations/europe-west4/secrets/db/versions/2",
        "gcp-sm:my-project/db?location=us-central1, projects/my-project/locations/us-central1/secrets/db/versions/latest",
    })
    void parse_everyForm_namesTheVersion(String ref, String versionName) {
        assertThat(parse(ref).versionName()).isEqualTo(versionName);
    }

    @Test
    void endpoint_globalOrRegional() {
        assertThat(parse("gcp-sm:my-project/db").endpoint()).isEqualTo("secretmanager.googleapis.com:443");
        assertThat(parse("gcp-sm:my-project/db?location=us-central1").endpoint())
                .isEqualTo("secretmanager.us-central1.rep.googleapis.com:443");
        assertThat(parse("gcp-sm:projects/my-project/locations/europe-west4/secrets/db")
                        .endpoint())
                .isEqualTo("secretmanager.europe-west4.rep.googleapis.com:443");
    }

    @Test
    void pinned_onlyForANumber() {
        assertThat(parse("gcp-sm:my-project/db/7").pinned()).isTrue();
        assertThat(parse("gcp-sm:my-project/db").pinned()).isFalse();
        assertThat(parse("gcp-sm:my-project/db/current").pinned()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "gcp-sm:projects/p1/secrets/x, no",
        "gcp-sm:short/db, has a project",
        "gcp-sm:My-Project/db, has a project",
        "gcp-sm:my-project-/db, has a project",
        "gcp-sm:my-project/db.pass, has a secret id",
        "gcp-sm:my-project/db/0, has a version",
        "gcp-sm:my-project/db/007, has a version",
        "gcp-sm:my-project/db/NEW, has a version",
        "gcp-sm:my-project/db/LATEST, has a version",
        "gcp-sm:my-project/db/-1, has a version",
        "gcp-sm:my-project/db/9999999999999999999, has a version",
        "gcp-sm:my-project, is not",
        "gcp-sm:my-project/db/1/2, is not",
        "gcp-sm:projects/my-project/db, is not projects",
        "gcp-sm:projects/my-project/secrets/db/versions, has more after",
        "gcp-sm:projects/my-project/secrets/db/3, has more after",
        "gcp-sm:projects/my-project/locations/Europe/secrets/db, has a location",
        "gcp-sm:my-project/db?location=us_central1, has a location",
        "gcp-sm:projects/my-project/locations/us-east1/secrets/db?location=us-east1, both in its path",
    })
    void parse_badRef_isInvalidAndNamesRefAndSource(String ref, String problem) {
        SecretRef parsed = SecretRef.parse(ref);
        if (problem.equals("no")) {
            // a project id is 6 to 30 characters
            problem = "has a project";
        }
        String expected = problem;
        assertThatThrownBy(() -> GcpRef.parse(parsed, "gcp-sm"))
                .isInstanceOf(InvalidSecretRefException.class)
                .hasMessageContaining(ref)
                .hasMessageContaining("source gcp-sm")
                .hasMessageContaining(expected);
    }

    @Test
    void secretId_upTo255Characters() {
        String id = "a".repeat(255);
        assertThat(parse("gcp-sm:my-project/" + id).secret()).isEqualTo(id);
        assertThatThrownBy(() -> parse("gcp-sm:my-project/" + id + "a"))
                .isInstanceOf(InvalidSecretRefException.class)
                .hasMessageContaining("secret id");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "projects/123456789012/secrets/db/versions/4",
                "projects/my-project/secrets/db/versions/4",
                "projects/123456789012/locations/us-east1/secrets/db/versions/4"
            })
    void answeredVersion_readsTheNumberWhateverTheProjectIsCalled(String name) {
        assertThat(parse("gcp-sm:my-project/db").answeredVersion(name)).contains("4");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "projects/1/secrets/other/versions/4",
                "projects/1/secrets/db/versions/latest",
                "projects/1/secrets/db/versions/04",
                "secrets/db/versions/4",
                ""
            })
    void answeredVersion_anythingElseIsNone(String name) {
        assertThat(parse("gcp-sm:my-project/db").answeredVersion(name)).isEqualTo(Optional.empty());
    }
}
