import {
  batchBaseSequence,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchSizeInBytes,
  PRODUCER_ID_OFFSET,
  readInt64At,
} from '@sluice/protocol';
import { InvalidRecordError } from '../errors.js';
import { lastSequenceOf } from './producer-state-entry.js';
import type { ProducerBatchInfo, ProducerUpdate } from './producer-state-manager.js';

/**
 * The producer fields of an append's idempotent batch (KIP-98), or null when no batch carries a
 * producer id. `records` is already framed and validated (`validateAppend`). Kafka's rules for a
 * client append: an idempotent batch comes alone in its partition's records (Produce v3+,
 * `ProduceRequest.validateRecords`), with a producer epoch and a base sequence that are not
 * negative.
 *
 * @throws InvalidRecordError (→ INVALID_RECORD 87) naming the batch otherwise, or for a producer
 *   id beyond 2^53 (none this broker hands out).
 */
export function idempotentBatchInfo(records: Buffer): ProducerBatchInfo | null {
  const firstSize = batchSizeInBytes(records, 0);
  if (firstSize === records.length) {
    if (records.readInt32BE(PRODUCER_ID_OFFSET) < 0) return null; // the common non-idempotent case: producerId -1
    return infoAt(records, 0);
  }
  let batchIndex = 0;
  for (let position = 0; position < records.length; position += batchSizeInBytes(records, position), batchIndex++) {
    if (readProducerId(records, position, batchIndex) >= 0) {
      throw new InvalidRecordError('an idempotent batch must be the only batch of its partition in a Produce request', batchIndex);
    }
  }
  return null;
}

function readProducerId(records: Buffer, position: number, batchIndex: number): number {
  try {
    return batchProducerId(records, position);
  } catch {
    throw new InvalidRecordError('producerId outside the range this broker hands out', batchIndex);
  }
}

function infoAt(records: Buffer, position: number): ProducerBatchInfo | null {
  const producerId = readProducerId(records, position, 0);
  if (producerId < 0) return null;
  const producerEpoch = batchProducerEpoch(records, position);
  const firstSeq = batchBaseSequence(records, position);
  if (producerEpoch < 0 || firstSeq < 0) {
    throw new InvalidRecordError(`idempotent batch of producer id ${producerId} with epoch ${producerEpoch} and baseSequence ${firstSeq}`, 0);
  }
  return { producerId, producerEpoch, firstSeq, lastSeq: lastSequenceOf(firstSeq, batchLastOffsetDelta(records, position)) };
}

/**
 * What producer state learns from a batch whose offsets are already in it (replay of the log,
 * a follower append; Kafka's append with origin REPLICATION): null for a batch without a producer
 * id, or one whose fields lie outside the safe integer range (damaged; never accepted as
 * idempotent). No sequence or epoch check.
 */
export function producerUpdateAt(buf: Buffer, at: number): ProducerUpdate | null {
  try {
    const producerId = batchProducerId(buf, at);
    if (producerId < 0) return null;
    const firstOffset = readInt64At(buf, at);
    const lastOffsetDelta = batchLastOffsetDelta(buf, at);
    const firstSeq = batchBaseSequence(buf, at);
    return {
      producerId,
      producerEpoch: batchProducerEpoch(buf, at),
      firstSeq,
      lastSeq: lastSequenceOf(firstSeq, lastOffsetDelta),
      firstOffset,
      lastOffset: firstOffset + lastOffsetDelta,
      timestampMs: batchMaxTimestamp(buf, at),
    };
  } catch {
    return null;
  }
}
