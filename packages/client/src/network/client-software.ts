/**
 * How this client names itself to brokers in ApiVersions v3+ (KIP-511: clientSoftwareName and
 * clientSoftwareVersion; Kafka's Java client sends `apache-kafka-java` and its version). Both
 * must match KIP-511's pattern (letters, digits, '-' and '.', starting and ending with a letter
 * or digit) or the broker answers INVALID_REQUEST. The version is the @sluice/client package
 * version; a unit test keeps the two equal.
 */
export const CLIENT_SOFTWARE_NAME = 'sluice-client';

/** The @sluice/client package version (packages/client/package.json). */
export const CLIENT_SOFTWARE_VERSION = '0.1.0';
