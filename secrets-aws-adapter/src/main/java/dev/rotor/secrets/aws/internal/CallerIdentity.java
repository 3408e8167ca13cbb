package dev.rotor.secrets.aws.internal;

import dev.rotor.secrets.SourceIdentity;

/**
 * The identity STS {@code GetCallerIdentity} answered, as Rotor records it: the ARN as principal; for an assumed role
 * ({@code arn:aws:sts::<account>:assumed-role/<role>/<session>}) the role and the session as display name; for an
 * IAM user or role ({@code arn:aws:iam::<account>:user/<path>/<name>}) the last part of the name as display name; the
 * account and the unique user id as attributes. Nothing of the credentials.
 */
public final class CallerIdentity {
    private CallerIdentity() {}

    public static SourceIdentity of(String arn, String account, String userId) {
        SourceIdentity.Builder b =
                SourceIdentity.builder(arn).attribute("account", account).attribute("userId", userId);
        String[] parts = arn == null ? new String[0] : arn.split(":", 6);
        if (parts.length == 6) {
            String resource = parts[5];
            int slash = resource.indexOf('/');
            String kind = slash < 0 ? resource : resource.substring(0, slash);
            String rest = slash < 0 ? "" : resource.substring(slash + 1);
            if (kind.equals("assumed-role")) {
                int s = rest.indexOf('/');
                b.role(s < 0 ? rest : rest.substring(0, s));
                b.displayName(s < 0 ? rest : rest.substring(s + 1));
            } else if (kind.equals("role")) {
                b.role(rest.substring(rest.lastIndexOf('/') + 1));
                b.displayName(rest.substring(rest.lastIndexOf('/') + 1));
            } else if (!rest.isEmpty()) {
                b.displayName(rest.substring(rest.lastIndexOf('/') + 1));
            } else {
                b.displayName(kind);
            }
        }
        return b.build();
    }
}
