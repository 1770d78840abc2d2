import { writeInt64At } from '../primitives/int64.js';
import { Writer } from '../primitives/writer.js';
import { CompressionType, compress, isCompressionType } from './compression.js';
import { crc32c } from './crc32c.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  CONTROL_FLAG_MASK,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PRODUCER_ID,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_FLAG_MASK,
} from './record-batch.js';
import { UnsupportedCompressionTypeError } from './record-errors.js';
import { type RecordInput, writeRecord } from './record.js';

/**
 * Builds complete RecordBatch v2 buffers from records (Kafka `MemoryRecordsBuilder`; layout in
 * record-batch.ts). Record i gets offsetDelta i, so lastOffsetDelta = count - 1; baseTimestamp is
 * the first record's timestamp and maxTimestamp the largest (timestamps need not be monotonic:
 * deltas may be negative). The CRC-32C covers attributes..end and is computed last.
 *
 * The records are encoded into one Writer and gathered once; a compressed batch is then the
 * 61-byte header plus the codec's output in one allocation.
 */

/** Kafka's two timestamp types (attributes bit 3). */
export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** What to put in a batch. Defaults are those of a non-idempotent, non-transactional producer. */
export interface BuildRecordBatchOptions {
  /** At least one record. */
  records: readonly RecordInput[];
  /** Codec id (CompressionType); default None. */
  compression?: number;
  /** Default 0: clients send 0 and the broker assigns the real offset. */
  baseOffset?: number;
  /** Default 0. */
  partitionLeaderEpoch?: number;
  /** Default -1 (NO_PRODUCER_ID: not idempotent). */
  producerId?: number;
  /** Default -1. */
  producerEpoch?: number;
  /** Sequence of the first record (KIP-98); default -1. */
  baseSequence?: number;
  /** attributes bit 4 (KIP-98). */
  transactional?: boolean;
  /** attributes bit 5: a control batch (transaction markers); only the broker writes these. */
  control?: boolean;
  /**
   * Default 'CreateTime': each record keeps its `timestamp` (or `now`). 'LogAppendTime' gives
   * every record the time `now`, as a broker with `message.timestamp.type=LogAppendTime` does.
   */
  timestampType?: TimestampType;
  /** The clock (ms) for records without a timestamp and for LogAppendTime; default Date.now(). */
  now?: number;
}

/**
 * Builds one RecordBatch v2, compressing the records with `options.compression`.
 * Throws RangeError for an empty record list or a field out of its wire range (e.g. a timestamp
 * that is not a safe integer), UnsupportedCompressionTypeError for an unknown codec id.
 */
export async function buildRecordBatch(options: BuildRecordBatchOptions): Promise<Buffer> {
  const compression = options.compression ?? CompressionType.None;
  if (compression === CompressionType.None) return buildRecordBatchSync(options);
  if (!isCompressionType(compression)) throw new UnsupportedCompressionTypeError(compression);
  const plan = planBatch(options, compression);
  const writer = new Writer(plan.estimatedRecordsBytes);
  writeRecords(writer, options.records, plan);
  const compressed = await compress(compression, writer.toBuffer());
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length);
  compressed.copy(batch, RECORD_BATCH_OVERHEAD);
  finishBatch(batch, options, plan);
  return batch;
}

/**
 * Builds one uncompressed RecordBatch v2 synchronously. Throws RangeError when
 * `options.compression` is set to anything but None (use `buildRecordBatch`), for an empty
 * record list, or for a field out of its wire range.
 */
export function buildRecordBatchSync(options: BuildRecordBatchOptions): Buffer {
  const compression = options.compression ?? CompressionType.None;
  if (compression !== CompressionType.None) {
    throw new RangeError(`buildRecordBatchSync only builds uncompressed batches, got compression ${compression}`);
  }
  const plan = planBatch(options, compression);
  const writer = new Writer(RECORD_BATCH_OVERHEAD + plan.estimatedRecordsBytes);
  writer.writeRaw(HEADER_PLACEHOLDER); // filled in by finishBatch once the size is known
  writeRecords(writer, options.records, plan);
  const batch = writer.toBuffer();
  finishBatch(batch, options, plan);
  return batch;
}

const HEADER_PLACEHOLDER = Buffer.alloc(RECORD_BATCH_OVERHEAD);
/** Cap on the Writer's first scratch buffer; it grows by itself past that (bytes). */
const MAX_INITIAL_WRITER_BYTES = 1 << 20;
/** Per-record bytes besides key, value and headers: length, attributes, deltas, lengths (upper bound). */
const RECORD_FIXED_BYTES_ESTIMATE = 24;

interface BatchPlan {
  attributes: number;
  baseTimestamp: number;
  maxTimestamp: number;
  /** LogAppendTime: every record's timestamp, else null. */
  logAppendTime: number | null;
  now: number;
  estimatedRecordsBytes: number;
}

function planBatch(options: BuildRecordBatchOptions, compression: number): BatchPlan {
  const records = options.records;
  if (records.length === 0) throw new RangeError('a RecordBatch needs at least one record');
  if (records.length > 0x7fff_ffff) throw new RangeError(`too many records: ${records.length}`);
  const now = options.now ?? Date.now();
  const logAppendTime = options.timestampType === 'LogAppendTime' ? now : null;
  let baseTimestamp = logAppendTime ?? records[0]!.timestamp ?? now;
  let maxTimestamp = baseTimestamp;
  let estimate = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (logAppendTime === null) {
      const timestamp = record.timestamp ?? now;
      if (!Number.isSafeInteger(timestamp)) throw new RangeError(`record ${i}: timestamp ${timestamp} is not an integer (ms)`);
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    }
    estimate += RECORD_FIXED_BYTES_ESTIMATE + (record.key?.length ?? 0) + (record.value?.length ?? 0);
    const headers = record.headers;
    if (headers !== undefined) {
      for (const header of headers) estimate += 10 + header.key.length * 3 + (header.value?.length ?? 0);
    }
  }
  if (logAppendTime !== null) baseTimestamp = maxTimestamp = logAppendTime;
  let attributes = compression;
  if (logAppendTime !== null) attributes |= TIMESTAMP_TYPE_MASK;
  if (options.transactional) attributes |= TRANSACTIONAL_FLAG_MASK;
  if (options.control) attributes |= CONTROL_FLAG_MASK;
  return {
    attributes,
    baseTimestamp,
    maxTimestamp,
    logAppendTime,
    now,
    estimatedRecordsBytes: Math.min(estimate, MAX_INITIAL_WRITER_BYTES),
  };
}

function writeRecords(writer: Writer, records: readonly RecordInput[], plan: BatchPlan): void {
  const { baseTimestamp, logAppendTime, now } = plan;
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const timestamp = logAppendTime ?? record.timestamp ?? now;
    writeRecord(writer, record, i, timestamp - baseTimestamp);
  }
}

function finishBatch(batch: Buffer, options: BuildRecordBatchOptions, plan: BatchPlan): void {
  writeRecordBatchHeader(batch, {
    baseOffset: options.baseOffset ?? 0,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? 0,
    attributes: plan.attributes,
    lastOffsetDelta: options.records.length - 1,
    baseTimestamp: plan.baseTimestamp,
    maxTimestamp: plan.maxTimestamp,
    producerId: options.producerId ?? NO_PRODUCER_ID,
    producerEpoch: options.producerEpoch ?? -1,
    baseSequence: options.baseSequence ?? -1,
    recordsCount: options.records.length,
  });
}

/** The header fields of a RecordBatch v2 its writer chooses; batchLength and magic follow from the bytes. */
export interface RecordBatchHeaderFields {
  readonly baseOffset: number;
  /** Java writes -1, librdkafka and kafkajs 0; brokers ignore it on produce. */
  readonly partitionLeaderEpoch: number;
  /** Compression codec bits and flags (see COMPRESSION_CODEC_MASK and the *_MASK constants). */
  readonly attributes: number;
  readonly lastOffsetDelta: number;
  /** ms. */
  readonly baseTimestamp: number;
  /** ms. */
  readonly maxTimestamp: number;
  /** -1 (NO_PRODUCER_ID) for a non-idempotent batch. */
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordsCount: number;
}

/**
 * Writes the header of the RecordBatch v2 that occupies all of `batch` (its records region already
 * in place from byte RECORD_BATCH_OVERHEAD, compressed or not): batchLength from the buffer's size,
 * magic 2, the given fields, then the CRC-32C over attributes..end. Used by this builder and by
 * producers that encode records incrementally (packages/client). Kafka `DefaultRecordBatch.writeHeader`.
 */
export function writeRecordBatchHeader(batch: Buffer, header: RecordBatchHeaderFields): void {
  writeInt64At(batch, header.baseOffset, BASE_OFFSET_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, LENGTH_OFFSET);
  batch.writeInt32BE(header.partitionLeaderEpoch, PARTITION_LEADER_EPOCH_OFFSET);
  batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  batch.writeInt16BE(header.attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(header.lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  writeInt64At(batch, header.baseTimestamp, BASE_TIMESTAMP_OFFSET);
  writeInt64At(batch, header.maxTimestamp, MAX_TIMESTAMP_OFFSET);
  writeInt64At(batch, header.producerId, PRODUCER_ID_OFFSET);
  batch.writeInt16BE(header.producerEpoch, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(header.baseSequence, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(header.recordsCount, RECORDS_COUNT_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
}
