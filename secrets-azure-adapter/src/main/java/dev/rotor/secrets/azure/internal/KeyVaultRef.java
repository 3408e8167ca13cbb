package dev.rotor.secrets.azure.internal;

import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretRef;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One {@code azure-kv:} ref, parsed strictly: the vault's URL, the secret's name and an optional version. Two forms:
 *
 * <pre>{@code
 * KeyVaultRef.parse(SecretRef.parse("azure-kv:myvault/db"), Map.of(), "vault.azure.net", "azure-kv");
 * KeyVaultRef.parse(SecretRef.parse("azure-kv:https://myvault.vault.azure.net/secrets/db/0123...cdef"), ...);
 * }</pre>
 *
 * <p>Names are checked as Key Vault checks them: a vault name has 3 to 24 characters, letters, digits and hyphens,
 * starts with a letter, ends with a letter or a digit and has no two hyphens in a row; a secret name matches {@code
 * ^[0-9a-zA-Z-]{1,127}$}; a version is 32 hexadecimal digits. Immutable.
 */
public final class KeyVaultRef {
    private static final Pattern VAULT_NAME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$");
    private static final Pattern SECRET_NAME = Pattern.compile("^[0-9a-zA-Z-]{1,127}$");
    private static final Pattern VERSION = Pattern.compile("^[0-9a-fA-F]{32}$");

    private final String vaultUrl;
    private final String name;
    private final String version;

    private KeyVaultRef(String vaultUrl, String name, String version) {
        this.vaultUrl = vaultUrl;
        this.name = name;
        this.version = version;
    }

    /**
     * Parses {@code ref}'s path. {@code vaultUrls} maps a vault name to the URL it is reached at (an emulator, a
     * private endpoint); other names are reached at {@code https://<name>.<dnsSuffix>}.
     *
     * @throws SecretConfigurationException (not retryable) naming the ref and the source when the path breaks a rule
     */
    public static KeyVaultRef parse(SecretRef ref, Map<String, URI> vaultUrls, String dnsSuffix, String source) {
        String path = ref.withoutField().path();
        if (path.startsWith("https://") || path.startsWith("http://")) {
            return parseUrl(ref, path, source);
        }
        String[] parts = path.split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw invalid(ref, source, "expected <vault-name>/<secret-name>[/<version>] or a vault URL");
        }
        String vault = parts[0];
        if (!VAULT_NAME.matcher(vault).matches() || vault.contains("--")) {
            throw invalid(
                    ref,
                    source,
                    "the vault name must have 3 to 24 letters, digits and hyphens, start with a letter, end with a"
                            + " letter or digit, and have no '--'");
        }
        URI mapped = vaultUrls.get(vault.toLowerCase(Locale.ROOT));
        String url = mapped != null
                ? trimSlash(mapped.toString())
                : "https://" + vault.toLowerCase(Locale.ROOT) + "." + dnsSuffix;
        return of(ref, source, url, parts[1], parts.length == 3 ? parts[2] : null);
    }

    private static KeyVaultRef parseUrl(SecretRef ref, String path, String source) {
        URI uri;
        try {
            uri = new URI(path);
        } catch (URISyntaxException e) {
            throw invalid(ref, source, "the vault URL does not parse");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
            throw invalid(ref, source, "the vault URL must have a host and no user info or query");
        }
        String[] parts =
                uri.getRawPath() == null ? new String[0] : uri.getRawPath().split("/", -1);
        // "", "secrets", name[, version]
        if (parts.length < 3 || parts.length > 4 || !parts[0].isEmpty() || !"secrets".equals(parts[1])) {
            throw invalid(ref, source, "expected a vault URL of the form https://<host>/secrets/<name>[/<version>]");
        }
        String base = uri.getScheme().toLowerCase(Locale.ROOT) + "://"
                + uri.getHost().toLowerCase(Locale.ROOT) + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
        return of(ref, source, base, parts[2], parts.length == 4 ? parts[3] : null);
    }

    private static KeyVaultRef of(SecretRef ref, String source, String vaultUrl, String name, String version) {
        if (!SECRET_NAME.matcher(name).matches()) {
            throw invalid(ref, source, "the secret name must match ^[0-9a-zA-Z-]{1,127}$");
        }
        if (version != null && !VERSION.matcher(version).matches()) {
            throw invalid(ref, source, "the version must be 32 hexadecimal digits");
        }
        return new KeyVaultRef(vaultUrl, name, version == null ? null : version.toLowerCase(Locale.ROOT));
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static SecretConfigurationException invalid(SecretRef ref, String source, String problem) {
        return new SecretConfigurationException(
                "not a valid Azure Key Vault ref: " + problem, ref.withoutField(), source);
    }

    /** The vault's URL, without a trailing slash: {@code https://myvault.vault.azure.net}. */
    public String vaultUrl() {
        return vaultUrl;
    }

    /** The secret's name. */
    public String name() {
        return name;
    }

    /** The pinned version, or null for the latest. */
    public String version() {
        return version;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KeyVaultRef)) {
            return false;
        }
        KeyVaultRef k = (KeyVaultRef) o;
        return vaultUrl.equals(k.vaultUrl) && name.equals(k.name) && Objects.equals(version, k.version);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vaultUrl, name, version);
    }

    @Override
    public String toString() {
        return vaultUrl + "/secrets/" + name + (version == null ? "" : "/" + version);
    }
}
