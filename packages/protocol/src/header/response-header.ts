import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';

/**
 * The response header (Kafka protocol: ResponseHeader v0-v1):
 *
 * ```
 * v0: correlation_id int32
 * v1: v0 + TAGGED_FIELDS   (flexible versions, except ApiVersions which always uses v0)
 * ```
 * Pick the version with `responseHeaderVersion(apiKey, version)`.
 */
export interface ResponseHeader {
  correlationId: number;
}

/** Writes a response header of version `headerVersion` (0 or 1; v1 adds an empty tag section). */
export function encodeResponseHeader(writer: Writer, correlationId: number, headerVersion: number): void {
  writer.writeInt32(correlationId);
  if (headerVersion >= 1) writer.writeUnsignedVarint(0);
}

/** Reads a response header of version `headerVersion`; tagged fields (v1) are skipped. Throws `SchemaError` when short. */
export function decodeResponseHeader(reader: Reader, headerVersion: number): ResponseHeader {
  const correlationId = reader.readInt32();
  if (headerVersion >= 1) reader.readTaggedFields();
  return { correlationId };
}
