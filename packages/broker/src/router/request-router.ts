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
import { type AnyApiHandler, NO_RESPONSE } from './api-handler.js';
import { CloseConnection } from './close-connection.js';
import type { ConnectionInfo, RequestContext } from './request-context.js';
import { responseErrorNames } from './request-log.js';

/** What the debug request log learns while a request is routed (only allocated at debug). */
interface RequestTrace {
  header: RequestHeader | null;
  /** Kafka's name of the API, e.g. `Produce`. */
  api: string;
  /** The response object (or NO_RESPONSE), once the handler answered. */
  response: unknown;
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
 * The advertised ranges (`Broker.advertisedApis`, the ApiVersions answer and its fallback) are
 * built from the same handler list as this table (server.ts), so the broker never advertises an
 * API it lacks.
 *
 * At `debug` (log.level) it logs one `request` line per answered request: API, version, client
 * id, the client software named in ApiVersions v3+ (KIP-511) once known, correlation id, request
 * and response bytes, milliseconds, and the non-zero error codes the response carries. At info and above the only cost is one level check per request. A request
 * that closes the connection is logged by the connection, with the reason.
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

  /**
   * Handles one request frame (without its size prefix). Returns the response frame as chunks,
   * null when there is no response (acks=0), or a promise of either. Throws CloseConnection when
   * the connection must be closed. Must be called in request order.
   */
  dispatch(frame: Buffer, connection: ConnectionInfo): Buffer[] | null | Promise<Buffer[] | null> {
    if (!this.logger.isLevelEnabled('debug')) return this.route(frame, connection, null);
    const startMs = performance.now();
    const trace: RequestTrace = { header: null, api: '', response: undefined };
    const result = this.route(frame, connection, trace);
    if (result instanceof Promise) return result.then((chunks) => this.logRequest(trace, frame, connection, startMs, chunks));
    return this.logRequest(trace, frame, connection, startMs, result);
  }

  private route(frame: Buffer, connection: ConnectionInfo, trace: RequestTrace | null): Buffer[] | null | Promise<Buffer[] | null> {
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
      throw new CloseConnection(`unknown api key ${header.requestApiKey}`, header);
    }
    const { api } = handler;
    if (trace !== null) {
      trace.header = header;
      trace.api = api.name;
    }
    if (version < api.minVersion || version > api.maxVersion) {
      if (api.apiKey === ApiKey.ApiVersions && version > api.maxVersion) {
        if (trace !== null) trace.response = { errorCode: ErrorCode.UNSUPPORTED_VERSION };
        return [this.apiVersionsFallback(header.correlationId)];
      }
      throw new CloseConnection(`unsupported ${api.name} version ${version}`, header);
    }
    if (handler.minDecodableVersion !== undefined && version < handler.minDecodableVersion) {
      throw new CloseConnection(`${api.name} v${version} is no longer served (use v${handler.minDecodableVersion}+)`, header);
    }
    let request: unknown;
    try {
      request = api.request.decode(reader, version);
    } catch (err) {
      if (err instanceof SchemaError || err instanceof RangeError) {
        throw new CloseConnection(`malformed ${api.name} v${version} request: ${err.message}`, header);
      }
      throw err;
    }
    const context: RequestContext = { header, apiVersion: version, connection, broker: this.broker };
    let result: unknown;
    try {
      result = handler.handle(request, context);
    } catch (err) {
      return this.failed(handler, request, context, err, trace);
    }
    if (result instanceof Promise) {
      return result.then(
        (response) => this.encode(handler, context, response, trace),
        (err: unknown) => this.failed(handler, request, context, err, trace),
      );
    }
    return this.encode(handler, context, result, trace);
  }

  private encode(handler: AnyApiHandler, context: RequestContext, response: unknown, trace: RequestTrace | null): Buffer[] | null {
    if (trace !== null) trace.response = response;
    if (response === NO_RESPONSE) return null;
    return encodeResponseFrame(handler.api, context.apiVersion, context.header.correlationId, response);
  }

  private failed(handler: AnyApiHandler, request: unknown, context: RequestContext, err: unknown, trace: RequestTrace | null): Buffer[] | null {
    if (err instanceof CloseConnection) throw err.header === null ? new CloseConnection(err.message, context.header) : err;
    this.logger.error(
      { err, api: handler.api.name, version: context.apiVersion, connection: context.connection.id },
      'request handler failed',
    );
    const response = handler.errorResponse(request, ErrorCode.UNKNOWN_SERVER_ERROR, context);
    return this.encode(handler, context, response, trace);
  }

  /** The debug `request` line of an answered request; returns `chunks` unchanged. */
  private logRequest(trace: RequestTrace, frame: Buffer, connection: ConnectionInfo, startMs: number, chunks: Buffer[] | null): Buffer[] | null {
    const header = trace.header!;
    let responseBytes = 0;
    if (chunks !== null) for (const chunk of chunks) responseBytes += chunk.length;
    const errors = responseErrorNames(trace.response);
    this.logger.debug(
      {
        connection: connection.id,
        api: trace.api,
        apiVersion: header.requestApiVersion,
        clientId: header.clientId,
        ...(connection.clientSoftware !== undefined
          ? { clientSoftwareName: connection.clientSoftware.name, clientSoftwareVersion: connection.clientSoftware.version }
          : {}),
        correlationId: header.correlationId,
        requestBytes: frame.length + 4,
        responseBytes,
        ...(chunks === null ? { noResponse: true } : {}),
        ms: Math.round((performance.now() - startMs) * 100) / 100,
        ...(errors.length > 0 ? { errors } : {}),
      },
      'request',
    );
    return chunks;
  }

  /** Response header v0 + ApiVersions v0 body with UNSUPPORTED_VERSION, under a size prefix. */
  private apiVersionsFallback(correlationId: number): Buffer {
    const writer = new Writer();
    const size = writer.reserveInt32();
    writer.writeInt32(correlationId);
    encodeApiVersionsFallback(writer, this.broker.advertisedApis);
    writer.patchInt32(size, writer.length - 4);
    return writer.toBuffer();
  }
}
