/**
 * Errors of the schema engine. Both mean a bug in the caller, not bad input from the network
 * (malformed bytes raise `SchemaError` from the Reader instead).
 */

/**
 * A codec was asked to encode or decode a version outside its spec's `validVersions`. Callers
 * check the version against the `ApiDefinition` range first; the broker answers an unsupported
 * version with UNSUPPORTED_VERSION (35) or closes the connection, as Kafka does.
 */
export class UnsupportedVersionError extends Error {
  override readonly name = 'UnsupportedVersionError';

  constructor(
    /** Message name, e.g. `'ProduceRequest'`. */
    readonly messageName: string,
    readonly version: number,
  ) {
    super(`${messageName} v${version} is not supported`);
  }
}

/**
 * A value being encoded is null in a field that is not nullable in that version (Kafka's
 * "non-nullable field was serialized as null"), e.g. Metadata v0 `topics: null`.
 */
export class NonNullableFieldError extends Error {
  override readonly name = 'NonNullableFieldError';

  constructor(
    /** Dotted field path, e.g. `'MetadataRequest.topics'`. */
    readonly path: string,
    readonly version: number,
  ) {
    super(`${path} is not nullable in version ${version}`);
  }
}
