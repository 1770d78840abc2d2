import { setTimeout as delay } from 'node:timers/promises';
import { isRetriable } from '../errors.js';

/**
 * The one place the client retries. Connections, the pool and the metadata cache never retry:
 * they fail fast with typed errors. Every operation that may be retried — a producer batch, a
 * consumer fetch round, a group request, an admin call — goes through `retry()` (or, for the
 * producer's pipelined batches, `RetryPolicy.backoffMs`) with a bounded number of attempts and a
 * total deadline, so retries never stack up across layers (a KafkaJS regret).
 */

/** How an operation is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included (>= 1). Default 10. */
  readonly maxAttempts: number;
  /** Backoff before the second attempt (ms); doubles per attempt. Default 100. */
  readonly initialBackoffMs: number;
  /** Upper bound of one backoff (ms). Default 1000 (Kafka `retry.backoff.max.ms`). */
  readonly maxBackoffMs: number;
  /** Give up once this much time has passed since the first attempt (ms). Default 30000. */
  readonly totalTimeoutMs: number;
}

/** Defaults of `RetryPolicy` (Kafka: retry.backoff.ms 100, retry.backoff.max.ms 1000, delivery.timeout.ms-like deadline). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  initialBackoffMs: 100,
  maxBackoffMs: 1000,
  totalTimeoutMs: 30_000,
};

/** Fills the missing fields of a partial policy with the defaults. */
export function retryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...partial };
}

/**
 * Backoff before attempt `attempt + 1` (ms), `attempt` >= 1: exponential from initialBackoffMs,
 * capped at maxBackoffMs, with ±20% jitter (Kafka's `ExponentialBackoff`) so clients that
 * failed together do not retry together. `random` in [0, 1) is injectable for tests.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(0, Math.round(base * (0.8 + 0.4 * random())));
}

/** What `retry` tells `onRetry` before sleeping. */
export interface RetryEvent {
  readonly attempt: number;
  readonly error: unknown;
  readonly delayMs: number;
}

/**
 * Runs `operation` until it resolves, a non-retriable error is thrown (rethrown as is), the
 * attempts are used up, or the total deadline passes (the last error is rethrown). `onRetry`
 * runs before each backoff — the place to invalidate metadata or a coordinator. `signal` aborts
 * the wait between attempts (the last error is rethrown).
 */
export async function retry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: { onRetry?: (event: RetryEvent) => void | Promise<void>; signal?: AbortSignal; retriable?: (error: unknown) => boolean } = {},
): Promise<T> {
  const startedAt = Date.now();
  const canRetry = options.retriable ?? isRetriable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const delayMs = backoffMs(policy, attempt);
      const outOfTime = Date.now() - startedAt + delayMs > policy.totalTimeoutMs;
      if (!canRetry(error) || attempt >= policy.maxAttempts || outOfTime || options.signal?.aborted) throw error;
      await options.onRetry?.({ attempt, error, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}

/** Resolves after `ms` milliseconds, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
}
