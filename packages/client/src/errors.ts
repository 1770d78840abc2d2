import { KafkaProtocolError, errorInfo } from '@sluice/protocol';

/**
 * The client's error classes, named after Kafka's conditions, each with structured fields and a
 * one-line message fit for a command line (`sluice` prints `error.message` and exits != 0).
 *
 * Errors that come from a broker's error code are `KafkaProtocolError` (from @sluice/protocol:
 * `code`, `type`, `retriable`) or one of the subclasses below when a caller is likely to branch
 * on them. `isRetriable(error)` is the one predicate the retry layer (network/retry.ts) uses.
 */

/** No connection could be made to a broker (refused, unreachable, DNS, connect timeout). Retriable. */
export class BrokerUnreachableError extends Error {
  override readonly name = 'BrokerUnreachableError';
  readonly retriable = true;
  constructor(
    readonly host: string,
    readonly port: number,
    /** The socket error's code (ECONNREFUSED, ETIMEDOUT...), when there was one. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`broker ${host}:${port} is unreachable: ${reason}`, options);
  }
}

/** An open connection to a broker was closed or failed while requests were in flight. Retriable. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  readonly retriable = true;
  constructor(
    readonly host: string,
    readonly port: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`connection to ${host}:${port} closed: ${reason}`, options);
  }
}

/** No response within `requestTimeoutMs` (Kafka's REQUEST_TIMED_OUT on the client side). Retriable. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  readonly retriable = true;
  constructor(
    readonly host: string,
    readonly port: number,
    readonly apiName: string,
    readonly timeoutMs: number,
  ) {
    super(`${apiName} request to ${host}:${port} timed out after ${timeoutMs} ms`);
  }
}

/** The topic (or one of its partitions) does not exist (UNKNOWN_TOPIC_OR_PARTITION, 3). */
export class UnknownTopicError extends KafkaProtocolError {
  constructor(
    readonly topic: string,
    readonly partition?: number,
  ) {
    super(
      3,
      partition === undefined ? `topic "${topic}" does not exist` : `partition ${topic}-${partition} does not exist`,
    );
  }
}

/**
 * An offset outside [logStartOffset, logEndOffset] was requested where the caller asked not to
 * reset (OFFSET_OUT_OF_RANGE, 1), or an offset argument is malformed (negative, not an integer).
 */
export class OffsetOutOfRangeError extends KafkaProtocolError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    detail?: string,
  ) {
    super(1, `offset ${offset} is out of range for ${topic}-${partition}${detail ? ` (${detail})` : ''}`);
  }
}

/** The broker does not support any version of an API the client needs (UNSUPPORTED_VERSION, 35). */
export class UnsupportedVersionError extends KafkaProtocolError {
  constructor(
    readonly apiName: string,
    readonly host: string,
    readonly port: number,
  ) {
    super(35, `broker ${host}:${port} supports no version of ${apiName} this client speaks`);
  }
}

/** resetOffsets or deleteGroups on a group that still has members (NON_EMPTY_GROUP, 68). */
export class GroupNotEmptyError extends KafkaProtocolError {
  constructor(
    readonly groupId: string,
    readonly state: string,
  ) {
    super(
      68,
      `group "${groupId}" is ${state}, not Empty: stop its consumers before resetting or deleting its offsets`,
    );
  }
}

/** A call on a producer, consumer or admin after `close()`. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
  constructor(what: string) {
    super(`${what} is closed`);
  }
}

/** Whether the retry layer may retry after `error`: Kafka-retriable codes and network failures. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof KafkaProtocolError) return error.retriable;
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** The throwable for a non-zero error code: UnknownTopicError for code 3 when a topic is known. */
export function errorFromCode(code: number, context?: { topic?: string; partition?: number; detail?: string }): Error {
  if (code === 3 && context?.topic !== undefined) return new UnknownTopicError(context.topic, context.partition);
  const where =
    context?.topic === undefined
      ? context?.detail
      : `${context.topic}${context.partition === undefined ? '' : `-${context.partition}`}${context.detail ? `: ${context.detail}` : ''}`;
  return new KafkaProtocolError(code, where === undefined ? undefined : `${errorInfo(code).message} (${where})`);
}
