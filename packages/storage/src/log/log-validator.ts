import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  batchCompression,
  batchIsControl,
  batchLastOffsetDelta,
  batchRecordsCount,
  batchSizeInBytes,
  CompressionType,
  crc32c,
  CRC_OFFSET,
  decompress,
  isCompressionType,
  MAX_TIMESTAMP_OFFSET,
  readInt64At,
  RECORDS_OFFSET,
  TIMESTAMP_TYPE_MASK,
  UnsupportedCompressionTypeError,
  validateRecordBatchAt,
  walkRecords,
  writeInt64At,
} from '@sluice/protocol';
import { CorruptRecordError, InvalidRecordError, RecordBatchTooLargeError, RecordListTooLargeError, UnsupportedCompressionError } from '../errors.js';
import { isCompacted, type CleanupPolicy, type TimestampType } from '../log-config.js';

/** What an append's batches add up to. */
export interface BatchSetInfo {
  /** Total bytes of all batches. */
  readonly sizeInBytes: number;
  /** Offsets the batches consume: sum of (lastOffsetDelta + 1). */
  readonly offsetCount: number;
  /** Sum of the batches' recordsCount fields. */
  readonly recordCount: number;
  /**
   * Compressed batches whose records are still to be checked by {@link validateCompressedRecords}
   * (decompressing is asynchronous); 0 when `validateAppend` checked every record.
   */
  readonly compressedBatches: number;
}

/** The limits and settings an append is validated against, from the log's config. */
export interface AppendLimits {
  /** `max.message.bytes`: the largest batch (bytes). */
  readonly maxMessageBytes: number;
  /** `segment.bytes`: the whole append must fit one segment (bytes). */
  readonly segmentBytes: number;
  /** `message.timestamp.type`: under CreateTime each batch's maxTimestamp is recomputed from its records. */
  readonly messageTimestampType: TimestampType;
  /** `cleanup.policy`: a compacted topic refuses records without a key. */
  readonly cleanupPolicy: CleanupPolicy;
}

/** Kafka's message for a key-less record sent to a compacted topic (`LogValidator.validateKey`). */
export const NULL_KEY_ON_COMPACTED_TOPIC = 'Compacted topic cannot accept message without key';

/**
 * Kafka `LogValidator` for an append from a client, synchronous part: the buffer holds at least
 * one batch and fits a segment; every batch frames, is magic 2 with a correct CRC-32C, is at most
 * `max.message.bytes`, has records and a lastOffsetDelta that matches their count, and is not a
 * control batch. The records of each uncompressed batch are walked once ({@link checkRecords}):
 * they must be exactly recordsCount records with offsetDelta 0, 1, ... filling the batch, and,
 * under CreateTime, the batch's maxTimestamp is recomputed from them and rewritten (with the CRC)
 * when the producer's differs (Sarama 1.22 writes -1). Compressed batches are counted in
 * `compressedBatches` for {@link validateCompressedRecords}. May rewrite `records` in place.
 *
 * @throws InvalidRecordError (→ INVALID_RECORD 87) for no batch, a count or offsetDelta that
 *   disagrees with the records, bytes after the last record, a control batch, or (compacted
 *   topics) a record without a key ({@link NULL_KEY_ON_COMPACTED_TOPIC}).
 * @throws RecordListTooLargeError (→ RECORD_LIST_TOO_LARGE 18) for more bytes than `segment.bytes`.
 * @throws CorruptRecordError (→ CORRUPT_MESSAGE 2) for bad framing, magic, CRC, codec id, a
 *   record that overruns its batch or has a bad length, or a timestamp beyond ±2^53 ms.
 * @throws RecordBatchTooLargeError (→ MESSAGE_TOO_LARGE 10) for a batch above `maxMessageBytes`.
 * Each names the offending batch (`batchIndex`) and its byte position in the append.
 */
export function validateAppend(records: Buffer, limits: AppendLimits): BatchSetInfo {
  if (records.length === 0) throw new InvalidRecordError('no record batch for the partition', 0);
  if (records.length > limits.segmentBytes) throw new RecordListTooLargeError(records.length, limits.segmentBytes);
  const createTime = limits.messageTimestampType === 'CreateTime';
  const checkKeys = isCompacted(limits.cleanupPolicy);
  let position = 0;
  let offsetCount = 0;
  let recordCount = 0;
  let compressedBatches = 0;
  for (let batchIndex = 0; position < records.length; batchIndex++) {
    const check = validateRecordBatchAt(records, position, records.length);
    if (!check.ok) throw batchCheckError(check, batchIndex, position);
    const size = check.sizeInBytes;
    if (size > limits.maxMessageBytes) throw new RecordBatchTooLargeError(size, limits.maxMessageBytes, batchIndex);
    const count = batchRecordsCount(records, position);
    const lastOffsetDelta = batchLastOffsetDelta(records, position);
    if (count <= 0 || lastOffsetDelta !== count - 1) {
      throw new InvalidRecordError(`record batch ${batchIndex} at byte ${position} with ${count} records and lastOffsetDelta ${lastOffsetDelta}`, batchIndex);
    }
    if (batchIsControl(records, position)) throw new InvalidRecordError('clients may not produce control batches', batchIndex);
    const codec = batchCompression(records, position);
    if (codec === CompressionType.None) {
      checkRecords(records, position, records, position + RECORDS_OFFSET, position + size, batchIndex, createTime, checkKeys);
    } else if (isCompressionType(codec)) {
      compressedBatches++;
    } else {
      throw new CorruptRecordError(`record batch ${batchIndex} at byte ${position}: unknown compression codec ${codec}`, batchIndex, position);
    }
    offsetCount += count;
    recordCount += count;
    position += size;
  }
  return { sizeInBytes: records.length, offsetCount, recordCount, compressedBatches };
}

/**
 * Kafka `LogValidator`, the compressed batches of an append that passed {@link validateAppend}:
 * decompresses each (all on libuv's pool at once, lz4 on the calling thread, see compression.ts)
 * and checks its records as `validateAppend` checks an uncompressed batch's, maxTimestamp
 * included. Kafka decompresses to validate too. Returns null when every batch passes, else the
 * error for the first that fails (a value: the caller settles the append with it).
 *
 * Error values: CorruptRecordError (→ 2) when the codec rejects the bytes or a record overruns,
 * InvalidRecordError (→ 87) for a count, offsetDelta or trailing-bytes mismatch,
 * UnsupportedCompressionError (→ 76) when the codec's library cannot load on this machine.
 */
export async function validateCompressedRecords(records: Buffer, limits: AppendLimits): Promise<CorruptRecordError | InvalidRecordError | UnsupportedCompressionError | null> {
  const createTime = limits.messageTimestampType === 'CreateTime';
  const checkKeys = isCompacted(limits.cleanupPolicy);
  const batches: { position: number; size: number; batchIndex: number; codec: number }[] = [];
  for (let position = 0, batchIndex = 0; position < records.length; batchIndex++) {
    const size = batchSizeInBytes(records, position);
    const codec = batchCompression(records, position);
    if (codec !== CompressionType.None) batches.push({ position, size, batchIndex, codec });
    position += size;
  }
  const decompressed = await Promise.all(
    batches.map(({ position, size, codec }) => decompress(codec, records.subarray(position + RECORDS_OFFSET, position + size)).catch((err: unknown) => err as Error)),
  );
  for (let i = 0; i < batches.length; i++) {
    const { position, batchIndex } = batches[i]!;
    const inflated = decompressed[i]!;
    if (!Buffer.isBuffer(inflated)) {
      if (inflated instanceof UnsupportedCompressionTypeError) return new UnsupportedCompressionError(`record batch ${batchIndex} at byte ${position}: ${inflated.message}`, batchIndex);
      return new CorruptRecordError(`record batch ${batchIndex} at byte ${position}: ${inflated.message}`, batchIndex, position);
    }
    try {
      checkRecords(records, position, inflated, 0, inflated.length, batchIndex, createTime, checkKeys);
    } catch (err) {
      if (err instanceof CorruptRecordError || err instanceof InvalidRecordError) return err;
      throw err;
    }
  }
  return null;
}

/**
 * One pass over the records of the batch at `batchPosition` in `batch`, found (uncompressed) in
 * `region[start, end)`: `walkRecords` checks count, offset deltas and framing; under CreateTime
 * the maxTimestamp in the header is set to baseTimestamp + the largest timestampDelta, and the
 * CRC recomputed, when they differ (Kafka `LogValidator` recomputes maxTimestamp; the time index
 * and ListOffsets by time depend on it).
 */
function checkRecords(batch: Buffer, batchPosition: number, region: Buffer, start: number, end: number, batchIndex: number, createTime: boolean, checkKeys: boolean): void {
  const count = batchRecordsCount(batch, batchPosition);
  const walk = walkRecords(region, start, end, count, checkKeys);
  if (walk.failure !== null) {
    const message = `record batch ${batchIndex} at byte ${batchPosition}: ${walk.failure}`;
    if (walk.failureKind === 'invalid') throw new InvalidRecordError(message, batchIndex);
    throw new CorruptRecordError(message, batchIndex, batchPosition);
  }
  if (walk.firstNullKeyIndex >= 0) {
    throw new InvalidRecordError(`${NULL_KEY_ON_COMPACTED_TOPIC} (record ${walk.firstNullKeyIndex} of record batch ${batchIndex} at byte ${batchPosition})`, batchIndex);
  }
  if (!createTime) return;
  let maxTimestamp: number;
  let storedMaxTimestamp: number;
  try {
    maxTimestamp = readInt64At(batch, batchPosition + BASE_TIMESTAMP_OFFSET) + walk.maxTimestampDelta;
    storedMaxTimestamp = readInt64At(batch, batchPosition + MAX_TIMESTAMP_OFFSET);
  } catch {
    storedMaxTimestamp = maxTimestamp = Number.NaN;
  }
  if (!Number.isSafeInteger(maxTimestamp)) {
    throw new CorruptRecordError(`record batch ${batchIndex} at byte ${batchPosition}: a timestamp beyond ±2^53 ms`, batchIndex, batchPosition);
  }
  if (storedMaxTimestamp !== maxTimestamp) {
    writeInt64At(batch, maxTimestamp, batchPosition + MAX_TIMESTAMP_OFFSET);
    const size = batchSizeInBytes(batch, batchPosition);
    batch.writeUInt32BE(crc32c(batch.subarray(batchPosition + ATTRIBUTES_OFFSET, batchPosition + size)), batchPosition + CRC_OFFSET);
  }
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

/**
 * The CorruptRecordError (→ CORRUPT_MESSAGE 2) for a batch `validateRecordBatchAt` refused: a
 * CRC-32C mismatch names both checksums, any other failure its kind; both name the batch's index
 * in the request and its byte position.
 */
export function batchCheckError(check: Extract<ReturnType<typeof validateRecordBatchAt>, { ok: false }>, batchIndex: number, position: number): CorruptRecordError {
  if (check.failure === 'bad-crc') {
    const message = `record batch ${batchIndex} at byte ${position}: CRC-32C mismatch (stored ${check.storedCrc}, computed ${check.computedCrc})`;
    return new CorruptRecordError(message, batchIndex, position, check.storedCrc, check.computedCrc);
  }
  return new CorruptRecordError(`${check.failure} record batch ${batchIndex} at byte ${position}`, batchIndex, position);
}
