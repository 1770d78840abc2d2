import {
  ATTRIBUTES_OFFSET,
  batchIsControl,
  batchLastOffsetDelta,
  batchRecordsCount,
  crc32c,
  CRC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  TIMESTAMP_TYPE_MASK,
  validateRecordBatchAt,
  writeInt64At,
} from '@sluice/protocol';
import { CorruptRecordError, InvalidRecordError, RecordBatchTooLargeError, RecordListTooLargeError } from '../errors.js';

/** What an append's batches add up to. */
export interface BatchSetInfo {
  /** Total bytes of all batches. */
  readonly sizeInBytes: number;
  /** Offsets the batches consume: sum of (lastOffsetDelta + 1). */
  readonly offsetCount: number;
  /** Sum of the batches' recordsCount fields. */
  readonly recordCount: number;
}

/** The limits an append is validated against (bytes), from the log's config. */
export interface AppendLimits {
  /** `max.message.bytes`: the largest batch. */
  readonly maxMessageBytes: number;
  /** `segment.bytes`: the whole append must fit one segment. */
  readonly segmentBytes: number;
}

/**
 * Kafka `LogValidator` for an append from a client, per batch and never per record: the buffer
 * holds at least one batch and fits a segment, every batch frames, is magic 2 with a correct
 * CRC-32C, is at most `max.message.bytes`, has records and a lastOffsetDelta that matches their
 * count, and is not a control batch. The one pass over the batch headers that an append makes
 * before it is queued; returns what the batches add up to.
 *
 * @throws InvalidRecordError (→ INVALID_RECORD 87) for no batch, a count mismatch or a control batch.
 * @throws RecordListTooLargeError (→ RECORD_LIST_TOO_LARGE 18) for more bytes than `segment.bytes`.
 * @throws CorruptRecordError (→ CORRUPT_MESSAGE 2) for bad framing, magic or CRC.
 * @throws RecordBatchTooLargeError (→ MESSAGE_TOO_LARGE 10) for a batch above `maxMessageBytes`.
 * Each names the offending batch (`batchIndex`).
 */
export function validateAppend(records: Buffer, limits: AppendLimits): BatchSetInfo {
  if (records.length === 0) throw new InvalidRecordError('no record batch for the partition', 0);
  if (records.length > limits.segmentBytes) throw new RecordListTooLargeError(records.length, limits.segmentBytes);
  let position = 0;
  let offsetCount = 0;
  let recordCount = 0;
  for (let batchIndex = 0; position < records.length; batchIndex++) {
    const check = validateRecordBatchAt(records, position, records.length);
    if (!check.ok) {
      if (check.failure === 'bad-crc') {
        const message = `CRC-32C mismatch (stored ${check.storedCrc}, computed ${check.computedCrc})`;
        throw new CorruptRecordError(message, batchIndex, position, check.storedCrc, check.computedCrc);
      }
      throw new CorruptRecordError(`${check.failure} record batch at byte ${position}`, batchIndex, position);
    }
    const size = check.sizeInBytes;
    if (size > limits.maxMessageBytes) throw new RecordBatchTooLargeError(size, limits.maxMessageBytes, batchIndex);
    const count = batchRecordsCount(records, position);
    const lastOffsetDelta = batchLastOffsetDelta(records, position);
    if (count <= 0 || lastOffsetDelta !== count - 1) {
      throw new InvalidRecordError(`record batch with ${count} records and lastOffsetDelta ${lastOffsetDelta}`, batchIndex);
    }
    if (batchIsControl(records, position)) throw new InvalidRecordError('clients may not produce control batches', batchIndex);
    offsetCount += count;
    recordCount += count;
    position += size;
  }
  return { sizeInBytes: records.length, offsetCount, recordCount };
}

/**
 * Stamps the batch at `position` with LogAppendTime (KIP-32): sets the timestampType attribute
 * bit and maxTimestamp to `nowMs`, then recomputes the CRC, which covers both (Kafka
 * `DefaultRecordBatch.setMaxTimestamp`). Records keep their deltas; readers use maxTimestamp.
 */
export function applyLogAppendTime(records: Buffer, position: number, sizeInBytes: number, nowMs: number): void {
  const attributes = records.readInt16BE(position + ATTRIBUTES_OFFSET);
  records.writeInt16BE(attributes | TIMESTAMP_TYPE_MASK, position + ATTRIBUTES_OFFSET);
  writeInt64At(records, nowMs, position + MAX_TIMESTAMP_OFFSET);
  const crc = crc32c(records.subarray(position + ATTRIBUTES_OFFSET, position + sizeInBytes));
  records.writeUInt32BE(crc, position + CRC_OFFSET);
}
