/**
 * The starter's machinery: building the client from properties, the {@code rotor:} config-data import and its
 * property source. Not an API: anything here may change without notice.
 */
package dev.rotor.secrets.spring.internal;
