import type { ApiDefinition } from '@sluice/protocol';
import type { RequestContext } from './request-context.js';

/** Returned by a handler when Kafka sends no response (Produce with acks=0). */
export const NO_RESPONSE: unique symbol = Symbol('NO_RESPONSE');
export type NoResponse = typeof NO_RESPONSE;

/**
 * The handler of one Kafka API: one file per API under handlers/ (Kafka `KafkaApis.handleX`,
 * split). Expected failures are per-partition/per-topic error codes in the response; a throw
 * means a bug or fatal I/O, which the router logs and answers with `errorResponse(request,
 * UNKNOWN_SERVER_ERROR)`.
 */
export interface ApiHandler<Req, Res> {
  readonly api: ApiDefinition<Req, Res>;
  /** Lowest version this broker decodes, when above the advertised minimum (Produce: 3). */
  readonly minDecodableVersion?: number;
  handle(request: Req, context: RequestContext): Res | NoResponse | Promise<Res | NoResponse>;
  /** The same response with `errorCode` at every level that has one. */
  errorResponse(request: Req, errorCode: number, context: RequestContext): Res;
}

/** Any handler, for the router's table (`any`: each handler's request and response types differ, and the router only passes them through). */
export type AnyApiHandler = ApiHandler<any, any>;
