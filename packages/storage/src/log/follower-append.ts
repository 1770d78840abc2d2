import { batchBaseOffset, batchLastOffsetDelta, batchPartitionLeaderEpoch, batchRecordsCount, validateRecordBatchAt } from '@sluice/protocol';
import { InvalidRecordError } from '../errors.js';
import { batchCheckError } from './log-validator.js';
import { producerUpdateAt } from '../producer/idempotent-batch.js';
import type { ProducerUpdate } from '../producer/producer-state-manager.js';
import type { EpochEntry } from './leader-epoch-checkpoint.js';

/** What a follower append's batches hold (see {@link validateFollowerAppend}). */
export interface FollowerAppendInfo {
  /** baseOffset of the first batch. */
  readonly firstOffset: number;
  /** lastOffset of the last batch. */
  readonly lastOffset: number;
  /** Sum of the batches' recordsCount. */
  readonly recordCount: number;
  /** What producer state learns from the idempotent batches, in order. */
  readonly producerUpdates: ProducerUpdate[];
  /** Where each partitionLeaderEpoch (>= 0) starts among the batches, in order. */
  readonly epochStarts: EpochEntry[];
}

/**
 * Kafka `UnifiedLog.analyzeAndValidateRecords` for a follower append (records fetched from the
 * leader, offsets and epochs assigned there): every batch frames, is magic 2 and passes its
 * CRC-32C, and offsets only grow (each batch's baseOffset above the previous batch's lastOffset;
 * gaps, which compaction leaves, are allowed). Records are not decoded, producer sequences not
 * checked and `max.message.bytes` not applied: the leader did all that, and a follower that
 * refused what its leader holds could never catch up. `records` must not be empty.
 *
 * @throws CorruptRecordError (→ CORRUPT_MESSAGE 2) for bad framing, magic or CRC, naming the batch.
 * @throws InvalidRecordError (→ INVALID_RECORD 87) for offsets that do not grow or lie beyond 2^53.
 */
export function validateFollowerAppend(records: Buffer): FollowerAppendInfo {
  const producerUpdates: ProducerUpdate[] = [];
  const epochStarts: EpochEntry[] = [];
  let firstOffset = -1;
  let lastOffset = -1;
  let recordCount = 0;
  let position = 0;
  for (let batchIndex = 0; position < records.length; batchIndex++) {
    const check = validateRecordBatchAt(records, position, records.length);
    if (!check.ok) throw batchCheckError(check, batchIndex, position);
    let baseOffset: number;
    try {
      baseOffset = batchBaseOffset(records, position);
    } catch {
      throw new InvalidRecordError(`record batch ${batchIndex} at byte ${position}: baseOffset beyond 2^53`, batchIndex);
    }
    const lastOffsetDelta = batchLastOffsetDelta(records, position);
    if (baseOffset < 0 || lastOffsetDelta < 0 || baseOffset <= lastOffset) {
      throw new InvalidRecordError(`record batch ${batchIndex} at byte ${position}: offsets [${baseOffset}, ${baseOffset + lastOffsetDelta}] do not follow ${lastOffset}`, batchIndex);
    }
    if (firstOffset < 0) firstOffset = baseOffset;
    lastOffset = baseOffset + lastOffsetDelta;
    recordCount += batchRecordsCount(records, position);
    const update = producerUpdateAt(records, position);
    if (update !== null) producerUpdates.push(update);
    const epoch = batchPartitionLeaderEpoch(records, position);
    if (epoch >= 0 && epoch > (epochStarts.at(-1)?.epoch ?? -1)) epochStarts.push({ epoch, startOffset: baseOffset });
    position += check.sizeInBytes;
  }
  return { firstOffset, lastOffset, recordCount, producerUpdates, epochStarts };
}
