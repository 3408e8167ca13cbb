/**
 * Certificates as secrets: {@link dev.rotor.secrets.tls.CertificateBundle} parses and checks one version of a
 * certificate with its key (PEM: PKCS#8, encrypted PKCS#8, PKCS#1 RSA, SEC1 EC; Vault PKI's and cert-manager's field
 * names), {@link dev.rotor.secrets.tls.TrustBundle} a set of CA certificates, and {@link
 * dev.rotor.secrets.tls.RotatingSslContext} is an {@code SSLContext} whose key and trust managers follow both through
 * every rotation. A certificate's validity is its lease ({@link dev.rotor.secrets.tls.CertificateBundle#validityLease()}):
 * the engine refreshes it at about two thirds of the validity and stops serving it when it ends. The file source reads a
 * mounted certificate directory with {@code ?format=tls}.
 *
 * <pre>{@code
 * RotatingSslContext tls = RotatingSslContext.builder(secrets)
 *         .keyMaterial("file:/etc/tls?format=tls")
 *         .trust("file:/etc/tls/ca.crt")
 *         .build();
 * HttpClient client = HttpClient.newBuilder().sslContext(tls.sslContext()).build();
 * }</pre>
 */
package dev.rotor.secrets.tls;
