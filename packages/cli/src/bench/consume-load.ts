import type { Consumer } from '@sluice/client';
import { LatencyRecorder } from './latency-recorder.js';
import { readStamp } from './payload.js';
import type { Progress } from './progress.js';

/** How a consume load runs and when it stops. */
export interface ConsumeLoadOptions {
  /** Consumers already `assign()`ed to their partitions. */
  readonly consumers: readonly Consumer[];
  /** Stop once this many records were read in total... (may be raised while running via `target.records`) */
  readonly target: { records: number; final: boolean };
  /** ...or after this long (ms), whatever was read. */
  readonly timeoutMs: number;
  /** Record end-to-end latency of stamped values. */
  readonly measureEndToEnd: boolean;
  readonly progress?: Progress;
}

/** Totals of a consume load. */
export interface ConsumeLoadResult {
  readonly records: number;
  readonly payloadBytes: number;
  /** From the start to the last record read (ms). */
  readonly elapsedMs: number;
  readonly endToEnd: LatencyRecorder;
  readonly timedOut: boolean;
  readonly errors: string[];
}

/**
 * Polls every consumer in a loop until the records read reach `target.records` once
 * `target.final` is set (so a consumer running beside producers stops when they are done and it
 * caught up), or until `timeoutMs`. Counts records and value bytes; with `measureEndToEnd`,
 * records the latency of every stamped value (payload.ts). Failures are collected, not thrown.
 */
export async function runConsumeLoad(options: ConsumeLoadOptions): Promise<ConsumeLoadResult> {
  const endToEnd = new LatencyRecorder();
  const errors: string[] = [];
  const startedAt = performance.now();
  let records = 0;
  let payloadBytes = 0;
  let lastRecordAt = startedAt;
  let timedOut = false;
  const done = (): boolean => {
    if (options.target.final && records >= options.target.records) return true;
    if (performance.now() - startedAt > options.timeoutMs) {
      timedOut = true;
      return true;
    }
    return errors.length > 0;
  };
  const report = (): void => {
    const elapsed = performance.now() - startedAt;
    options.progress?.update(records, Math.max(options.target.records, records), `${records.toLocaleString('en-US')} read, ${Math.round(records / (elapsed / 1000)).toLocaleString('en-US')} rec/s`);
  };
  const progressTimer = setInterval(report, 250);

  const oneConsumer = async (consumer: Consumer): Promise<void> => {
    while (!done()) {
      let batch;
      try {
        batch = await consumer.poll();
      } catch (error) {
        if (errors.length < 10) errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
        return;
      }
      if (batch.length === 0) continue;
      const now = performance.now();
      records += batch.length;
      lastRecordAt = now;
      for (let i = 0; i < batch.length; i++) {
        const value = batch[i]!.value;
        if (value === null) continue;
        payloadBytes += value.length;
        if (options.measureEndToEnd) {
          const stampMs = readStamp(value);
          if (stampMs >= 0) endToEnd.record(performance.timeOrigin + now - stampMs);
        }
      }
    }
  };

  try {
    await Promise.all(options.consumers.map(oneConsumer));
  } finally {
    clearInterval(progressTimer);
    report();
  }
  return { records, payloadBytes, elapsedMs: lastRecordAt - startedAt, endToEnd, timedOut, errors };
}
