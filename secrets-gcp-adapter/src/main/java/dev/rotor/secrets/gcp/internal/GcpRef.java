package dev.rotor.secrets.gcp.internal;

import dev.rotor.secrets.InvalidSecretRefException;
import dev.rotor.secrets.SecretRef;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A {@code gcp-sm:} ref read as Google Secret Manager names it: project, optional location, secret id and version.
 * Immutable; parsing is strict and every failure is an {@link InvalidSecretRefException} that names the ref, the
 * source and the rule broken.
 *
 * <pre>{@code
 * GcpRef r = GcpRef.parse(SecretRef.parse("gcp-sm:my-project/db/3"), "gcp-sm");
 * r.versionName();   // projects/my-project/secrets/db/versions/3
 * r.endpoint();      // secretmanager.googleapis.com:443
 * }</pre>
 *
 * <p>The forms: {@code projects/<p>/secrets/<s>[/versions/<v>]}, {@code projects/<p>/locations/<l>/secrets/<s>[/versions/<v>]}
 * and the short {@code <p>/<s>[/<v>]}; a location may also be given as {@code ?location=<l>} (not both). A version is
 * a number, {@code latest} (the most recently created version, the default) or a user-managed alias.
 */
public final class GcpRef {
    /** The ref parameter naming a location, for a regional secret. */
    public static final String LOCATION = "location";

    /** The global endpoint of Secret Manager. */
    public static final String GLOBAL_ENDPOINT = "secretmanager.googleapis.com:443";

    /** The version alias Secret Manager keeps for the most recently created version. */
    public static final String LATEST = "latest";

    /** A project id (6 to 30 characters), optionally domain-scoped ({@code example.com:my-project}), or a project number. */
    private static final Pattern PROJECT =
            Pattern.compile("(?:[a-z0-9][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,19}");
    /** A secret id, as the API reference gives it. */
    private static final Pattern SECRET = Pattern.compile("[a-zA-Z0-9_-]{1,255}");
    /** A location such as {@code us-central1}. */
    private static final Pattern LOCATION_ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");
    /** A version number: from 1, no leading zero, at most 18 digits (so that it fits a long). */
    private static final Pattern NUMBER = Pattern.compile("[1-9][0-9]{0,17}");
    /** A user-managed version alias: a letter, then letters, digits, '-' and '_', at most 63 characters. */
    private static final Pattern ALIAS = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]{0,62}");

    private final String project;
    private final String location;
    private final String secret;
    private final String version;

    private GcpRef(String project, String location, String secret, String version) {
        this.project = project;
        this.location = location;
        this.secret = secret;
        this.version = version;
    }

    /**
     * Reads {@code ref} (its field, if any, is ignored here).
     *
     * @throws InvalidSecretRefException naming the ref, the source and the rule broken
     */
    public static GcpRef parse(SecretRef ref, String source) {
        Objects.requireNonNull(ref, "ref");
        String[] s = ref.path().split("/", -1);
        String project;
        String location = null;
        String secret;
        String version = LATEST;
        if (s[0].equals("projects")) {
            int i;
            if (s.length >= 4 && s[2].equals("secrets")) {
                i = 4;
            } else if (s.length >= 6 && s[2].equals("locations") && s[4].equals("secrets")) {
                location = s[3];
                i = 6;
            } else {
                throw invalid(
                        ref,
                        source,
                        "is not projects/<project>/secrets/<secret>[/versions/<version>] nor"
                                + " projects/<project>/locations/<location>/secrets/<secret>[/versions/<version>]");
            }
            project = s[1];
            secret = s[i - 1];
            if (s.length == i + 2 && s[i].equals("versions")) {
                version = s[i + 1];
            } else if (s.length != i) {
                throw invalid(ref, source, "has more after the secret id than /versions/<version>");
            }
        } else if (s.length == 2 || s.length == 3) {
            project = s[0];
            secret = s[1];
            if (s.length == 3) {
                version = s[2];
            }
        } else {
            throw invalid(ref, source, "is not <project>/<secret>[/<version>] nor projects/<project>/secrets/<secret>");
        }
        Optional<String> param = ref.parameter(LOCATION);
        if (param.isPresent()) {
            if (location != null) {
                throw invalid(ref, source, "names a location both in its path and as ?location=");
            }
            location = param.get();
        }
        if (!PROJECT.matcher(project).matches()) {
            throw invalid(
                    ref,
                    source,
                    "has a project that is neither a project id (6 to 30 of a-z, 0-9 and '-', starting with a"
                            + " letter) nor a project number");
        }
        if (!SECRET.matcher(secret).matches()) {
            throw invalid(ref, source, "has a secret id that is not 1 to 255 of [a-zA-Z0-9_-]");
        }
        if (location != null && !LOCATION_ID.matcher(location).matches()) {
            throw invalid(ref, source, "has a location that is not a region name such as us-central1");
        }
        if (!isVersion(version)) {
            throw invalid(
                    ref,
                    source,
                    "has a version that is neither a number from 1, 'latest', nor an alias (a letter, then up to 62"
                            + " of [a-zA-Z0-9_-])");
        }
        return new GcpRef(project, location, secret, version.equals(LATEST) ? LATEST : version);
    }

    private static boolean isVersion(String v) {
        if (NUMBER.matcher(v).matches() || v.equals(LATEST)) {
            return true;
        }
        // 'NEW' and any other spelling of 'latest' are reserved by Secret Manager
        return ALIAS.matcher(v).matches() && !v.equalsIgnoreCase(LATEST) && !v.equals("NEW");
    }

    private static InvalidSecretRefException invalid(SecretRef ref, String source, String problem) {
        return new InvalidSecretRefException(
                "invalid secret ref '" + ref + "' for source " + source + ": it " + problem);
    }

    public String project() {
        return project;
    }

    /** The location of a regional secret; empty for a global one. */
    public Optional<String> location() {
        return Optional.ofNullable(location);
    }

    public String secret() {
        return secret;
    }

    /** The version as the ref names it: a number, {@code latest} or an alias. */
    public String version() {
        return version;
    }

    /** Whether the ref names one numbered version, which never changes. */
    public boolean pinned() {
        return NUMBER.matcher(version).matches();
    }

    /** {@code projects/<p>[/locations/<l>]/secrets/<s>}. */
    public String secretName() {
        return "projects/" + project + (location == null ? "" : "/locations/" + location) + "/secrets/" + secret;
    }

    /** The resource name {@code AccessSecretVersion} is asked for. */
    public String versionName() {
        return secretName() + "/versions/" + version;
    }

    /** The endpoint that serves this secret: the global one, or {@code secretmanager.<l>.rep.googleapis.com:443}. */
    public String endpoint() {
        return endpointFor(location);
    }

    /** The endpoint for a location; the global one for null. */
    public static String endpointFor(String location) {
        return location == null ? GLOBAL_ENDPOINT : "secretmanager." + location + ".rep.googleapis.com:443";
    }

    /**
     * The version number at the end of a version's resource name ({@code .../secrets/<s>/versions/<n>}) as the store
     * answered it, if it names this ref's secret; empty when it does not. The store may name the project by number
     * where the ref named it by id, so only the secret id and what follows are compared.
     */
    public Optional<String> answeredVersion(String name) {
        if (name == null) {
            return Optional.empty();
        }
        String tail = "/secrets/" + secret + "/versions/";
        int at = name.lastIndexOf(tail);
        if (at < 0 || !name.startsWith("projects/")) {
            return Optional.empty();
        }
        String n = name.substring(at + tail.length());
        return NUMBER.matcher(n).matches() ? Optional.of(n) : Optional.empty();
    }

    @Override
    public String toString() {
        return versionName();
    }
}
