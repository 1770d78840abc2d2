import {
  ATTRIBUTES_OFFSET,
  batchLastOffsetDelta,
  batchRecordsCount,
  batchSizeInBytes,
  crc32c,
  CRC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  RECORD_BATCH_OVERHEAD,
  TIMESTAMP_TYPE_MASK,
  writeInt64At,
} from '@sluice/protocol';
import { CorruptRecordError, RecordBatchTooLargeError } from '../errors.js';

/** What an append's batches add up to. */
export interface BatchSetInfo {
  /** Total bytes of all batches. */
  readonly sizeInBytes: number;
  /** Offsets the batches consume: sum of (lastOffsetDelta + 1). */
  readonly offsetCount: number;
  /** Sum of the batches' recordsCount fields. */
  readonly recordCount: number;
}

/**
 * The append-side checks of Kafka `LogValidator` that remain once the broker has validated each
 * batch (magic, CRC): the buffer frames as whole batches, and no batch exceeds
 * `max.message.bytes`. Per batch, never per record.
 *
 * @throws RecordBatchTooLargeError (→ MESSAGE_TOO_LARGE 10) for a batch above `maxMessageBytes`.
 * @throws CorruptRecordError (→ CORRUPT_MESSAGE 2) when the lengths do not frame the buffer.
 */
export function analyzeBatches(records: Buffer, maxMessageBytes: number): BatchSetInfo {
  let position = 0;
  let offsetCount = 0;
  let recordCount = 0;
  if (records.length === 0) throw new CorruptRecordError('no record batch to append', 0);
  while (position < records.length) {
    if (records.length - position < RECORD_BATCH_OVERHEAD) throw new CorruptRecordError('truncated record batch header', position);
    const size = batchSizeInBytes(records, position);
    if (size < RECORD_BATCH_OVERHEAD || size > records.length - position) throw new CorruptRecordError(`bad batch length ${size}`, position);
    if (size > maxMessageBytes) throw new RecordBatchTooLargeError(size, maxMessageBytes);
    const lastOffsetDelta = batchLastOffsetDelta(records, position);
    if (lastOffsetDelta < 0) throw new CorruptRecordError(`negative lastOffsetDelta ${lastOffsetDelta}`, position);
    offsetCount += lastOffsetDelta + 1;
    recordCount += batchRecordsCount(records, position);
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
