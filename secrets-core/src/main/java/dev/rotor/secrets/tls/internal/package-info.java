/**
 * Implementation of the certificate support: PEM and DER reading, key and chain checks, the rotating key and trust
 * managers, the switching {@code SSLContext} and the consumers behind {@code RotatingSslContext}. Not public API.
 */
package dev.rotor.secrets.tls.internal;
