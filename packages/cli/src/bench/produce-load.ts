import { setTimeout as sleep } from 'node:timers/promises';
import type { OutgoingRecord, Producer } from '@sluice/client';
import { LatencyRecorder } from './latency-recorder.js';
import { stampedValue } from './payload.js';
import type { Progress } from './progress.js';

/** What a produce load needs: where, what, how much, how fast. */
export interface ProduceLoadOptions {
  readonly topic: string;
  readonly payload: Buffer;
  readonly producers: readonly Producer[];
  readonly durationMs?: number;
  readonly recordCount?: number;
  readonly targetRecordsPerSec?: number;
  /** Records per `sendBatch` call (default 1000; smaller under a target rate). */
  readonly chunkRecords?: number;
  /** `sendBatch` calls each producer keeps unacknowledged (default 32). */
  readonly maxChunksInFlight?: number;
  /**
   * Chunks sent during the first `warmupMs` (ms) count in throughput but are not recorded in
   * `latency`, and carry the warm-up stamp, which readers' end-to-end latencies leave out.
   * Default 0.
   */
  readonly warmupMs?: number;
  /**
   * Under a target rate: the first `rampUpMs` (ms, within the warm-up) raise the rate linearly
   * from 0 to the target instead of starting at it. Why: a fresh producer, broker and reader
   * compile their hot paths during the first second; at high rates a full-rate start left a
   * backlog that lasted into the measured window. Default 0.
   */
  readonly rampUpMs?: number;
  /** Stamp the first record of every chunk (after the warm-up) for end-to-end latency. Default true. */
  readonly stamp?: boolean;
  readonly progress?: Progress;
}

/** Totals of a produce load. */
export interface ProduceLoadResult {
  readonly ackedRecords: number;
  readonly payloadBytes: number;
  /** From the first send to the last acknowledgment (ms). */
  readonly elapsedMs: number;
  readonly latency: LatencyRecorder;
  readonly errors: string[];
}

/**
 * Produces with `sendBatch` chunks from every producer until the duration or count is reached,
 * keeping up to `maxChunksInFlight` chunks unacknowledged per producer, or pacing chunks every
 * millisecond to hold `targetRecordsPerSec`. Records carry no key and no partition, so the
 * producer's partitioner places them (KIP-480 sticky partitioning: one partition's batch fills,
 * then the next), as Kafka's producer-perf-test sends them. A chunk's latency (send call → all its
 * records acknowledged) is recorded with the chunk's record count as weight, and its first record
 * stamped for end-to-end latency, except for chunks sent within `warmupMs` of the start (those
 * carry the warm-up stamp: see payload.ts WARMUP_STAMP_MAGIC). Failures are collected, not thrown.
 */
export async function runProduceLoad(options: ProduceLoadOptions): Promise<ProduceLoadResult> {
  const { topic, payload } = options;
  if (options.durationMs === undefined && options.recordCount === undefined) throw new RangeError('give durationMs or recordCount');
  const rate = options.targetRecordsPerSec;
  const chunkRecords = Math.max(1, Math.floor(options.chunkRecords ?? 1000));
  const window = options.maxChunksInFlight ?? 32;
  const stamp = options.stamp ?? true;
  const warmupMs = options.warmupMs ?? 0;
  const rampUpMs = options.rampUpMs ?? 0;
  if (rampUpMs < 0 || rampUpMs > warmupMs) throw new RangeError(`rampUpMs ${rampUpMs} must lie within the warm-up (${warmupMs} ms)`);
  const deadline = options.durationMs ?? Number.POSITIVE_INFINITY;
  const limit = options.recordCount ?? Number.POSITIVE_INFINITY;
  const template: OutgoingRecord[] = [];
  for (let i = 0; i < chunkRecords; i++) template.push({ topic, value: payload });

  const latency = new LatencyRecorder();
  const errors: string[] = [];
  let issued = 0;
  let acked = 0;
  const startedAt = performance.now();
  let lastAckAt = startedAt;

  /** Records the caller may send now (0 = wait or stop). */
  const allowance = (): number => {
    const elapsed = performance.now() - startedAt;
    if (elapsed >= deadline || issued >= limit || errors.length > 0) return 0;
    let n = Math.min(chunkRecords, limit - issued);
    if (rate !== undefined) n = Math.min(n, Math.floor(recordsDueBy(rate, rampUpMs, elapsed)) - issued);
    return n;
  };
  const finished = (): boolean => performance.now() - startedAt >= deadline || issued >= limit || errors.length > 0;
  const report = (): void => {
    const elapsed = performance.now() - startedAt;
    const total = Number.isFinite(limit) ? limit : deadline;
    const done = Number.isFinite(limit) ? acked : Math.min(elapsed, deadline);
    options.progress?.update(done, total, `${acked.toLocaleString('en-US')} acked, ${Math.round(acked / (elapsed / 1000)).toLocaleString('en-US')} rec/s`);
  };
  const progressTimer = setInterval(report, 250);

  const oneProducer = async (producer: Producer): Promise<void> => {
    const inFlight = new Set<Promise<void>>();
    while (!finished()) {
      const n = allowance();
      if (n <= 0) {
        if (rate !== undefined && !finished()) {
          await sleep(1);
          continue;
        }
        break;
      }
      const chunk = n === chunkRecords ? template.slice() : template.slice(0, n);
      const sentAt = performance.now();
      const measured = sentAt - startedAt >= warmupMs;
      if (stamp) chunk[0] = { topic, value: stampedValue(payload, performance.timeOrigin + sentAt, !measured) };
      issued += n;
      const sent: Promise<void> = producer.sendBatch(chunk).then(
        () => {
          const now = performance.now();
          if (measured) latency.record(now - sentAt, n);
          acked += n;
          lastAckAt = now;
          inFlight.delete(sent);
        },
        (error: unknown) => {
          if (errors.length < 10) errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          inFlight.delete(sent);
        },
      );
      inFlight.add(sent);
      if (inFlight.size >= window) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  };

  try {
    await Promise.all(options.producers.map(oneProducer));
  } finally {
    clearInterval(progressTimer);
    report();
  }
  return { ackedRecords: acked, payloadBytes: acked * payload.length, elapsedMs: lastAckAt - startedAt, latency, errors };
}

/**
 * Records a load at `rate` (records/s) should have sent `elapsedMs` after its start when the rate
 * rises linearly from 0 over the first `rampUpMs` (the area under that rate curve).
 */
export function recordsDueBy(rate: number, rampUpMs: number, elapsedMs: number): number {
  if (elapsedMs < rampUpMs) return (rate * elapsedMs * elapsedMs) / (2 * rampUpMs) / 1000;
  return (rate * (elapsedMs - rampUpMs / 2)) / 1000;
}
