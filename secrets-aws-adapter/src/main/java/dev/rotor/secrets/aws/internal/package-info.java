/**
 * Implementation details of the AWS Secrets Manager source: error mapping and content parsing. Not a public API; may
 * change in any release.
 */
package dev.rotor.secrets.aws.internal;
