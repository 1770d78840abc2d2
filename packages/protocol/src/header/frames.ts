import { encodeApiVersionsFallback, type ApiVersion } from '../apis/api-versions.js';
import { responseHeaderVersion } from '../apis/registry.js';
import { Writer } from '../primitives/writer.js';
import type { ApiDefinition } from '../schema/api-definition.js';
import { encodeRequestHeader } from './request-header.js';
import { encodeResponseHeader } from './response-header.js';

/**
 * Whole frames ready for the socket: `int32 size` + header + body (WIRE.md "Framing"), returned as
 * chunks for `writev` / `cork…write…uncork`. Large byte fields (RecordBatches) stay referenced,
 * never copied, so the chunk list may point into segment buffers.
 */

/**
 * One response frame for `api` at `version`: size, response header (v0/v1 per
 * `responseHeaderVersion`), body. Throws what `MessageCodec.encode` throws (caller bugs).
 */
export function encodeResponseFrame<Res>(
  api: ApiDefinition<unknown, Res>,
  version: number,
  correlationId: number,
  body: Res,
): Buffer[] {
  const writer = new Writer();
  const size = writer.reserveInt32();
  encodeResponseHeader(writer, correlationId, responseHeaderVersion(api.apiKey, version));
  api.response.encode(writer, version, body);
  writer.patchInt32(size, writer.length - 4);
  return writer.chunks();
}

/** One request frame for `api` at `version`: size, request header (v1/v2), body. */
export function encodeRequestFrame<Req>(
  api: ApiDefinition<Req, unknown>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Req,
): Buffer[] {
  const writer = new Writer();
  const size = writer.reserveInt32();
  encodeRequestHeader(writer, {
    requestApiKey: api.apiKey,
    requestApiVersion: version,
    correlationId,
    clientId,
  });
  api.request.encode(writer, version, body);
  writer.patchInt32(size, writer.length - 4);
  return writer.chunks();
}

/**
 * The whole frame answering an ApiVersions request of an unsupported version (v3+): size,
 * response header v0, v0-format body with UNSUPPORTED_VERSION (see `encodeApiVersionsFallback`).
 */
export function encodeApiVersionsFallbackFrame(correlationId: number, apiKeys?: readonly ApiVersion[]): Buffer[] {
  const writer = new Writer(64);
  const size = writer.reserveInt32();
  encodeResponseHeader(writer, correlationId, 0);
  encodeApiVersionsFallback(writer, apiKeys);
  writer.patchInt32(size, writer.length - 4);
  return writer.chunks();
}
