/**
 * Implementation details of the AWS Secrets Manager source: error mapping, the answer-size cap and content parsing. Not a public API; may
 * change in any release.
 */
package dev.rotor.secrets.aws.internal;
