package dev.rotor.secrets.vault.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.secrets.Lease;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretFormatException;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.SecretRejectedException;
import dev.rotor.secrets.TimeSource;
import dev.rotor.secrets.tls.CertificateBundle;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PKI secrets engine: {@code POST <mount>/issue/<role>} with the ref's parameters, and {@code POST <mount>/revoke}
 * by serial number. Each answer is checked with {@link CertificateBundle} (it parses, the key is the leaf's, the chain
 * holds, the certificate is valid now) before it is served, and is given the certificate's validity as its lease: PKI
 * answers carry no renewable lease, a certificate is issued again, never renewed. Messages name the ref, the source,
 * the field and the certificate's serial, never a key. Thread-safe.
 */
final class PkiIssuer {
    private static final Logger LOG = LoggerFactory.getLogger(PkiIssuer.class);

    /** The ref parameters sent to {@code issue} as they are. */
    static final Set<String> PARAMETERS = Set.of(
            "common_name",
            "alt_names",
            "ip_sans",
            "uri_sans",
            "other_sans",
            "ttl",
            "exclude_cn_from_sans",
            "private_key_format",
            "remove_roots_from_chain");

    static final List<String> FIELDS = List.of(
            "certificate", "private_key", "private_key_type", "issuing_ca", "ca_chain", "serial_number", "expiration");

    private static final int MAX_TRACKED = 10_000;

    private final VaultHttp http;
    private final String source;
    private final boolean revokeReplaced;
    private final Set<SecretRef> capped = ConcurrentHashMap.newKeySet();

    PkiIssuer(VaultHttp http, String source, boolean revokeReplaced) {
        this.http = http;
        this.source = source;
        this.revokeReplaced = revokeReplaced;
    }

    /** Whether {@code relative} (the path inside a PKI mount) names an issuing role: {@code issue/<role>}. */
    static boolean issuePath(String relative) {
        return relative.startsWith("issue/")
                && relative.length() > "issue/".length()
                && relative.indexOf('/', "issue/".length()) < 0;
    }

    /** Whether {@code ref} carries a parameter that only an issuing ref takes. */
    static String pkiParameter(SecretRef ref) {
        for (String p : ref.parameters().keySet()) {
            if (PARAMETERS.contains(p)) {
                return p;
            }
        }
        return null;
    }

    Secret issue(SecretRef ref, String path, VaultReads.TokenCaller caller, TimeSource time) {
        if (ref.parameter("version").isPresent()) {
            throw new SecretConfigurationException(
                    "parameter version applies to KV v2 secrets only; " + path + " issues certificates", ref, source);
        }
        if (ref.parameter("common_name").isEmpty()) {
            throw new SecretConfigurationException(
                    "a PKI issue ref needs the parameter common_name (vault:" + path + "?common_name=...)",
                    ref,
                    source);
        }
        String what = "PKI issue (" + path + ")";
        ObjectNode body = VaultHttp.object();
        ref.parameters().forEach((k, v) -> {
            if (PARAMETERS.contains(k)) {
                body.put(k, v);
            }
        });
        body.put("format", "pem");
        JsonNode answer = caller.call(ref, t -> http.call("POST", path, body, t.value(), what, ref));
        JsonNode data = Json.object(answer, "data", what, ref, source);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("certificate", Json.text(data, "certificate", what, ref, source));
        fields.put("private_key", Json.text(data, "private_key", what, ref, source));
        String keyType = Json.optionalText(data, "private_key_type", what, ref, source);
        if (keyType != null) {
            fields.put("private_key_type", keyType);
        }
        String issuing = Json.optionalText(data, "issuing_ca", what, ref, source);
        if (issuing != null && !issuing.isEmpty()) {
            fields.put("issuing_ca", issuing);
        }
        String chain = caChain(data, what, ref);
        if (chain != null) {
            fields.put("ca_chain", chain);
        }
        String serial = Json.text(data, "serial_number", what, ref, source);
        fields.put("serial_number", serial);
        long expiration = Json.optionalNumber(data, "expiration", 0, what, ref, source);
        if (expiration > 0) {
            fields.put("expiration", Long.toString(expiration));
        }
        Instant now = time.now();
        Secret unchecked = Secret.builder(ref)
                .version(serial)
                .fields(fields)
                .fetchedAt(now)
                .build();
        CertificateBundle bundle;
        try {
            bundle = CertificateBundle.from(unchecked).checkValidAt(now);
        } catch (SecretRejectedException e) {
            throw new SecretRejectedException(what + ": " + e.reason(), ref, source);
        } catch (SecretFormatException e) {
            throw new SecretFormatException(what + ": " + reason(e), ref, source);
        }
        String leafSerial = serialOf(bundle);
        if (!leafSerial.equals(normal(serial))) {
            throw new SecretFormatException(
                    what + ": serial_number " + serial + " is not the certificate's (" + leafSerial + ")", ref, source);
        }
        Lease validity = bundle.validityLease();
        // issued at notBefore (Vault backdates it by 30 s), never later than now
        Instant issuedAt = validity.issuedAt().isAfter(now) ? now : validity.issuedAt();
        Lease.Builder lease = Lease.builder(Duration.between(issuedAt, bundle.notAfter()), issuedAt);
        if (revokeReplaced) {
            lease.id(serial); // the handle revoke uses; without it the engine revokes nothing
        }
        warnIfCapped(ref, bundle, now);
        return Secret.builder(ref)
                .version(serial)
                .fields(fields)
                .lease(lease.build())
                .attribute("serial_number", serial)
                .attribute("not_after", bundle.notAfter().toString())
                .fetchedAt(now)
                .build();
    }

    /** {@code POST <mount>/revoke} with the serial number the lease carries. */
    void revoke(SecretRef ref, String mount, Lease lease, VaultReads.TokenCaller caller) {
        String serial = lease.id().orElse(null);
        if (serial == null || !revokeReplaced) {
            return;
        }
        String path = mount + "revoke";
        caller.call(
                ref,
                t -> http.call(
                        "POST",
                        path,
                        VaultHttp.object().put("serial_number", serial),
                        t.value(),
                        "PKI revocation (" + path + ")",
                        ref));
    }

    /** {@code ca_chain} is a JSON array of PEM certificates: joined into one PEM text. */
    private String caChain(JsonNode data, String what, SecretRef ref) {
        JsonNode n = data.get("ca_chain");
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isTextual()) {
            return n.asText().isEmpty() ? null : n.asText();
        }
        if (!n.isArray()) {
            throw Json.bad(what, "ca_chain", "an array of PEM certificates", ref, source);
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : n) {
            if (!c.isTextual()) {
                throw Json.bad(what, "ca_chain", "an array of PEM certificates", ref, source);
            }
            sb.append(c.asText().strip()).append('\n');
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private void warnIfCapped(SecretRef ref, CertificateBundle bundle, Instant now) {
        String ttl = ref.parameter("ttl").orElse(null);
        java.util.regex.Matcher m = ttl == null
                ? null
                : java.util.regex.Pattern.compile("(\\d{1,9})([smhd]?)").matcher(ttl);
        if (m == null || !m.matches()) {
            return; // Go durations such as 1h30m are Vault's to read
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2);
        Duration asked = unit.equals("m")
                ? Duration.ofMinutes(n)
                : unit.equals("h")
                        ? Duration.ofHours(n)
                        : unit.equals("d") ? Duration.ofDays(n) : Duration.ofSeconds(n);
        Duration granted = Duration.between(now, bundle.notAfter());
        if (granted.plusMinutes(1).compareTo(asked) < 0 && (capped.size() < MAX_TRACKED && capped.add(ref))) {
            LOG.info(
                    "Vault issued {} [source={}] for {} s, less than the ttl asked ({}): the role's max_ttl (or the"
                            + " CA's end) caps it",
                    ref,
                    source,
                    granted.toSeconds(),
                    ttl);
        }
    }

    private static String serialOf(CertificateBundle bundle) {
        String hex = bundle.serialNumber().toString(16);
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }

    /** A serial number in Vault's form ({@code 1f:0a:...}, or with hyphens) as plain lower-case hex. */
    static String normal(String serial) {
        String hex = serial.strip()
                .toLowerCase(java.util.Locale.ROOT)
                .replace(":", "")
                .replace("-", "");
        int i = 0;
        while (i < hex.length() - 2 && hex.startsWith("00", i)) {
            i += 2;
        }
        return hex.substring(i);
    }

    private static String reason(SecretFormatException e) {
        String m = e.getMessage();
        int at = m.lastIndexOf(" [ref=");
        return at < 0 ? m : m.substring(0, at);
    }

    @Override
    public String toString() {
        return "PkiIssuer{source=" + source + ", revokeReplaced=" + revokeReplaced + "}";
    }
}
