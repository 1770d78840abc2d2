import { setTimeout as delay } from 'node:timers/promises';
import type { PartitionLog } from '@sluice/storage';

/**
 * Waits until any of `logs` is appended to, `timeoutMs` passes, or `signal` aborts, whichever
 * comes first (Kafka `DelayedFetch`, reduced to what a single broker needs). Resolves either way;
 * the caller re-reads and decides. Every listener and timer is removed on resolution, so a
 * long-poll holds no resource past its deadline.
 */
export function waitForAppend(logs: readonly PartitionLog[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  if (timeoutMs <= 0 || signal.aborted || logs.length === 0) {
    return timeoutMs > 0 && logs.length === 0 && !signal.aborted ? sleep(timeoutMs, signal) : Promise.resolve();
  }
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      for (const unsubscribe of unsubscribes) unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    signal.addEventListener('abort', done, { once: true });
    for (const log of logs) unsubscribes.push(log.onAppend(done));
  });
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
