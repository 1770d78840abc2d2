import type { PartitionLog } from '../../src/log/partition-log.js';
import { seededRandom } from './random.js';
import { buildBatch } from './record-batch-fixture.js';

/**
 * What a test appended, as the log assigned it: offsets `baseOffset`..`lastOffset` (inclusive), the
 * batch `bytes` (whose baseOffset the log patched in place) and one CreateTime timestamp (ms) per record.
 */
export interface ModelBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly bytes: Buffer;
  readonly timestamps: readonly number[];
}

/**
 * The shape of the batches {@link appendRandomBatches} draws; `[lo, hi]` ranges are inclusive integers.
 * Records per batch, the step between consecutive record timestamps (ms, may be negative so timestamps
 * go backwards), value sizes (bytes) and the byte each value is filled with (from the batch index).
 */
export interface RandomBatchShape {
  readonly startTimestampMs: number;
  readonly recordsPerBatch: readonly [number, number];
  readonly timestampStepMs: readonly [number, number];
  readonly valueBytes: readonly [number, number];
  readonly fillByte: (batchIndex: number) => number;
}

/** Up to 8 records per batch, values of 0-300 bytes, timestamps from 1,000,000 ms wobbling by -3..+10 ms. */
export const DEFAULT_RANDOM_BATCH_SHAPE: RandomBatchShape = {
  startTimestampMs: 1_000_000,
  recordsPerBatch: [1, 8],
  timestampStepMs: [-3, 10],
  valueBytes: [0, 300],
  fillByte: (batchIndex) => batchIndex & 0xff,
};

/**
 * Appends `n` random batches to `target` one at a time (each awaited), drawn from `seededRandom(seed)`
 * with `shape` over {@link DEFAULT_RANDOM_BATCH_SHAPE}, and returns the model of what was appended in
 * order. The same seed and shape give the same batches, so failures replay. Rejects with whatever
 * `PartitionLog.append` throws (e.g. RecordBatchTooLargeError when `valueBytes` exceeds max.message.bytes).
 */
export async function appendRandomBatches(target: PartitionLog, n: number, seed: number, shape: Partial<RandomBatchShape> = {}): Promise<ModelBatch[]> {
  const { startTimestampMs, recordsPerBatch, timestampStepMs, valueBytes, fillByte } = { ...DEFAULT_RANDOM_BATCH_SHAPE, ...shape };
  const rnd = seededRandom(seed);
  const model: ModelBatch[] = [];
  let ts = startTimestampMs;
  for (let i = 0; i < n; i++) {
    const timestamps = Array.from({ length: rnd.int(...recordsPerBatch) }, () => (ts += rnd.int(...timestampStepMs)));
    const bytes = buildBatch(timestamps.map((t) => ({ timestampMs: t, value: Buffer.alloc(rnd.int(...valueBytes), fillByte(i)) })));
    const info = await target.append(bytes);
    model.push({ baseOffset: info.baseOffset, lastOffset: info.lastOffset, bytes, timestamps });
  }
  return model;
}
