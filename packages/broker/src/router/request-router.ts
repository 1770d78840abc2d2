import {
  ApiKey,
  decodeRequestHeader,
  encodeApiVersionsFallback,
  encodeResponseFrame,
  ErrorCode,
  Reader,
  SchemaError,
  Writer,
  type RequestHeader,
} from '@sluice/protocol';
import type { Logger } from 'pino';
import type { Broker } from '../broker.js';
import type { ConnectionInfo } from '../network/connection.js';
import { type AnyApiHandler, NO_RESPONSE, type RequestContext } from './api-handler.js';
import { CloseConnection } from './close-connection.js';

/** An API key and the version range the broker advertises for it (ApiVersions). */
export interface AdvertisedApi {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * Routes a request frame to its handler: a table from API key to handler, nothing more
 * (Kafka's `KafkaApis.handle` without the god class).
 *
 * - Unknown API key, or a version outside the advertised range: close the connection, as Kafka
 *   does — except ApiVersions, which gets the v0-format UNSUPPORTED_VERSION reply so clients
 *   that open with a newer version fall back (CLIENTS.md §1.1).
 * - A body that does not decode (SchemaError): close the connection (Kafka: InvalidRequestException).
 * - A handler that throws: logged, answered with the handler's UNKNOWN_SERVER_ERROR response.
 *
 * The advertised ranges come from this table, so the broker never advertises an API it lacks.
 */
export class RequestRouter {
  private readonly handlers = new Map<number, AnyApiHandler>();

  constructor(
    handlers: readonly AnyApiHandler[],
    private readonly broker: Broker,
    private readonly logger: Logger,
  ) {
    for (const handler of handlers) this.handlers.set(handler.api.apiKey, handler);
  }

  /** The APIs and versions to put in an ApiVersions response, sorted by key. */
  advertisedApis(): AdvertisedApi[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.api.apiKey, minVersion: h.api.minVersion, maxVersion: h.api.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /**
   * Handles one request frame (without its size prefix). Returns the response frame as chunks,
   * null when there is no response (acks=0), or a promise of either. Throws CloseConnection when
   * the connection must be closed. Must be called in request order.
   */
  dispatch(frame: Buffer, connection: ConnectionInfo): Buffer[] | null | Promise<Buffer[] | null> {
    const reader = new Reader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(reader);
    } catch (err) {
      throw new CloseConnection(`unparseable request header: ${(err as Error).message}`);
    }
    const handler = this.handlers.get(header.requestApiKey);
    const version = header.requestApiVersion;
    if (handler === undefined) {
      throw new CloseConnection(`unknown api key ${header.requestApiKey}`);
    }
    const { api } = handler;
    if (version < api.minVersion || version > api.maxVersion) {
      if (api.apiKey === ApiKey.ApiVersions && version > api.maxVersion) {
        return [this.apiVersionsFallback(header.correlationId)];
      }
      throw new CloseConnection(`unsupported ${api.name} version ${version}`);
    }
    if (handler.minDecodableVersion !== undefined && version < handler.minDecodableVersion) {
      throw new CloseConnection(`${api.name} v${version} is no longer served (use v${handler.minDecodableVersion}+)`);
    }
    let request: unknown;
    try {
      request = api.request.decode(reader, version);
    } catch (err) {
      if (err instanceof SchemaError || err instanceof RangeError) {
        throw new CloseConnection(`malformed ${api.name} v${version} request: ${err.message}`);
      }
      throw err;
    }
    const context: RequestContext = { header, apiVersion: version, connection, broker: this.broker };
    let result: unknown;
    try {
      result = handler.handle(request, context);
    } catch (err) {
      return this.failed(handler, request, context, err);
    }
    if (result instanceof Promise) {
      return result.then(
        (response) => this.encode(handler, context, response),
        (err: unknown) => this.failed(handler, request, context, err),
      );
    }
    return this.encode(handler, context, result);
  }

  private encode(handler: AnyApiHandler, context: RequestContext, response: unknown): Buffer[] | null {
    if (response === NO_RESPONSE) return null;
    return encodeResponseFrame(handler.api, context.apiVersion, context.header.correlationId, response);
  }

  private failed(handler: AnyApiHandler, request: unknown, context: RequestContext, err: unknown): Buffer[] | null {
    this.logger.error(
      { err, api: handler.api.name, version: context.apiVersion, connection: context.connection.id },
      'request handler failed',
    );
    const response = handler.errorResponse(request, ErrorCode.UNKNOWN_SERVER_ERROR, context);
    return this.encode(handler, context, response);
  }

  /** Response header v0 + ApiVersions v0 body with UNSUPPORTED_VERSION, under a size prefix. */
  private apiVersionsFallback(correlationId: number): Buffer {
    const writer = new Writer();
    const size = writer.reserveInt32();
    writer.writeInt32(correlationId);
    encodeApiVersionsFallback(writer, this.advertisedApis());
    writer.patchInt32(size, writer.length - 4);
    return writer.toBuffer();
  }
}
