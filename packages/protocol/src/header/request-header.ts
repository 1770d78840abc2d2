import type { Reader } from '../primitives/reader.js';
import type { Writer } from '../primitives/writer.js';
import { isFlexible } from '../apis/registry.js';

/**
 * The request header (Kafka protocol: RequestHeader v1-v2; WIRE.md "Headers"):
 *
 * ```
 * v1: request_api_key int16, request_api_version int16, correlation_id int32,
 *     client_id NULLABLE_STRING (int16 length, even in v2: the field is never compact)
 * v2: v1 + TAGGED_FIELDS            (used by flexible versions)
 * ```
 * Header v0 (no client_id) is used only by ControlledShutdown v0, which we do not implement.
 */
export interface RequestHeader {
  requestApiKey: number;
  requestApiVersion: number;
  /** Echoed in the response so the client can match it; responses go out in request order. */
  correlationId: number;
  clientId: string | null;
}

/**
 * Reads a request header from the start of a frame body: the v1 fields, then — only when the
 * key/version is flexible per the registry — the v2 tagged fields (unknown tags skipped). Unknown
 * API keys are read as v1, so the broker can still answer or close. Leaves `reader` at the first
 * byte of the body. Throws `SchemaError` when the frame is too short for a header.
 */
export function decodeRequestHeader(reader: Reader): RequestHeader {
  const requestApiKey = reader.readInt16();
  const requestApiVersion = reader.readInt16();
  const correlationId = reader.readInt32();
  const clientId = reader.readNullableString();
  if (isFlexible(requestApiKey, requestApiVersion)) reader.readTaggedFields();
  return { requestApiKey, requestApiVersion, correlationId, clientId };
}

/** Writes a request header: v2 (with an empty tagged-field section) for flexible versions, else v1. */
export function encodeRequestHeader(writer: Writer, header: RequestHeader): void {
  writer
    .writeInt16(header.requestApiKey)
    .writeInt16(header.requestApiVersion)
    .writeInt32(header.correlationId)
    .writeNullableString(header.clientId);
  if (isFlexible(header.requestApiKey, header.requestApiVersion)) writer.writeUnsignedVarint(0);
}
