import { SchemaError } from '../primitives/schema-error.js';
import { CompressionType, decompress } from './compression.js';
import {
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_OFFSET,
  TRANSACTIONAL_FLAG_MASK,
  batchAttributes,
  batchBaseOffset,
  batchBaseSequence,
  batchBaseTimestamp,
  batchCompression,
  batchCrc,
  batchIsControl,
  batchIsLogAppendTime,
  batchLastOffset,
  batchLastOffsetDelta,
  batchMagic,
  batchMaxTimestamp,
  batchProducerEpoch,
  batchProducerId,
  batchRecordsCount,
  batchSizeInBytes,
} from './record-batch.js';
import type { TimestampType } from './record-batch-builder.js';
import { CorruptRecordError } from './record-errors.js';
import { type RecordsContext, decodeRecords } from './record-decoder.js';
import type { KafkaRecord } from './record.js';

/**
 * Reading RecordBatch v2 data as it arrives in a Fetch response or sits in a log segment: a run
 * of concatenated batches, possibly cut short at the end (a broker may return a partial trailing
 * batch when `partition_max_bytes` ends mid-batch; Java, librdkafka and kafkajs stop there).
 *
 * Header fields are read on demand from the Buffer (`RecordBatchView`); records are decoded only
 * by `decodeRecordBatch`. Nothing here checks the CRC: `validateRecordBatchAt` does that, and
 * consumers that want Java's `check.crcs=true` call it before decoding.
 */

/**
 * A view of the batch at `position` in `buffer`: each getter reads its field from the bytes
 * (layout in record-batch.ts). int64 getters throw SchemaError outside the safe-integer range.
 * Holds no copy; `bytes` is a subarray.
 */
export class RecordBatchView {
  constructor(
    readonly buffer: Buffer,
    /** Byte position of the batch start (its baseOffset field) in `buffer`. */
    readonly position: number,
  ) {}

  /** Whole batch size (bytes), log overhead included. */
  get sizeInBytes(): number {
    return batchSizeInBytes(this.buffer, this.position);
  }
  /** Byte position just after this batch. */
  get endPosition(): number {
    return this.position + this.sizeInBytes;
  }
  /** The batch's bytes (a subarray, no copy). */
  get bytes(): Buffer {
    return this.buffer.subarray(this.position, this.endPosition);
  }
  get baseOffset(): number {
    return batchBaseOffset(this.buffer, this.position);
  }
  get lastOffsetDelta(): number {
    return batchLastOffsetDelta(this.buffer, this.position);
  }
  /** Offset of the batch's last record: baseOffset + lastOffsetDelta. */
  get lastOffset(): number {
    return batchLastOffset(this.buffer, this.position);
  }
  /** The offset after this batch: the next batch's baseOffset in a contiguous log. */
  get nextOffset(): number {
    return this.lastOffset + 1;
  }
  get partitionLeaderEpoch(): number {
    return this.buffer.readInt32BE(this.position + PARTITION_LEADER_EPOCH_OFFSET);
  }
  get magic(): number {
    return batchMagic(this.buffer, this.position);
  }
  /** Stored CRC-32C (unsigned). */
  get crc(): number {
    return batchCrc(this.buffer, this.position);
  }
  get attributes(): number {
    return batchAttributes(this.buffer, this.position);
  }
  /** Codec id (CompressionType). */
  get compression(): number {
    return batchCompression(this.buffer, this.position);
  }
  get timestampType(): TimestampType {
    return batchIsLogAppendTime(this.buffer, this.position) ? 'LogAppendTime' : 'CreateTime';
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_FLAG_MASK) !== 0;
  }
  /** A control batch (transaction markers): consumers hide its records. */
  get isControl(): boolean {
    return batchIsControl(this.buffer, this.position);
  }
  /** ms */
  get baseTimestamp(): number {
    return batchBaseTimestamp(this.buffer, this.position);
  }
  /** ms */
  get maxTimestamp(): number {
    return batchMaxTimestamp(this.buffer, this.position);
  }
  get producerId(): number {
    return batchProducerId(this.buffer, this.position);
  }
  get producerEpoch(): number {
    return batchProducerEpoch(this.buffer, this.position);
  }
  get baseSequence(): number {
    return batchBaseSequence(this.buffer, this.position);
  }
  get recordsCount(): number {
    return batchRecordsCount(this.buffer, this.position);
  }
}

/**
 * Iterates the complete batches in `buf[start, end)`, in order. Stops quietly at a truncated
 * trailing batch (fewer bytes left than its header or its batchLength says). Throws
 * CorruptRecordError for a complete batch whose magic is not 2 or whose batchLength is smaller
 * than the v2 header, since nothing after it can be located.
 */
export function* recordBatches(buf: Buffer, start = 0, end = buf.length): Generator<RecordBatchView> {
  let position = start;
  while (end - position >= RECORD_BATCH_OVERHEAD) {
    const size = batchSizeInBytes(buf, position);
    if (size < RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordError(`batch size ${size} is smaller than the RecordBatch v2 header`, { position });
    }
    if (size > end - position) return;
    const magic = batchMagic(buf, position);
    if (magic !== CURRENT_MAGIC) throw new CorruptRecordError(`unsupported batch magic ${magic}`, { position });
    yield new RecordBatchView(buf, position);
    position += size;
  }
}

/**
 * Decodes every record of the batch at `position` in `batch`, decompressing when its codec says
 * so. Offsets are absolute (baseOffset + offsetDelta); timestamps (ms) are baseTimestamp +
 * timestampDelta, or maxTimestamp for a LogAppendTime batch. Control batches are decoded like
 * any other; callers hide them by checking `batchIsControl` / `RecordBatchView.isControl`.
 * Keys and values are views into `batch` (uncompressed) or into the decompressed buffer.
 *
 * Throws CorruptRecordError (CORRUPT_MESSAGE) for a truncated batch, magic other than 2,
 * undecodable compressed data or malformed records; UnsupportedCompressionTypeError for codec
 * ids 5-7. Does not check the CRC (see `validateRecordBatchAt`).
 */
export async function decodeRecordBatch(batch: Buffer, position = 0): Promise<KafkaRecord[]> {
  const region = await batchRecordsRegion(batch, position);
  return decodeRecords(region.buffer, region.start, region.end, region.count, region.context);
}

/** The uncompressed records of one batch: `buffer[start, end)` holds `count` records. */
export interface RecordsRegion {
  buffer: Buffer;
  start: number;
  end: number;
  count: number;
  context: RecordsContext;
}

/**
 * Locates the records of the batch at `position`, decompressing them when the batch is
 * compressed (then `buffer` is the decompressed data); otherwise `buffer` is `batch` itself and
 * nothing is copied. Throws as `decodeRecordBatch` does.
 */
export async function batchRecordsRegion(batch: Buffer, position = 0): Promise<RecordsRegion> {
  const { end, count, context } = checkBatch(batch, position);
  const compression = batchCompression(batch, position);
  // Kafka writes record-less batches (left by compaction) uncompressed; tolerate an empty blob too.
  if (compression === CompressionType.None || end === position + RECORDS_OFFSET) {
    return { buffer: batch, start: position + RECORDS_OFFSET, end, count, context };
  }
  const records = await decompress(compression, batch.subarray(position + RECORDS_OFFSET, end));
  return { buffer: records, start: 0, end: records.length, count, context };
}

/**
 * `batchRecordsRegion` for an uncompressed batch, synchronously (nothing to decompress, no
 * copy). Throws RangeError when the batch is compressed, CorruptRecordError as
 * `decodeRecordBatch` does.
 */
export function uncompressedRecordsRegion(batch: Buffer, position = 0): RecordsRegion {
  const { end, count, context } = checkBatch(batch, position);
  const compression = batchCompression(batch, position);
  if (compression !== CompressionType.None) {
    throw new RangeError(`batch is compressed (codec ${compression}): use decodeRecordBatch`);
  }
  return { buffer: batch, start: position + RECORDS_OFFSET, end, count, context };
}

/**
 * `decodeRecordBatch` for an uncompressed batch, synchronously. Throws RangeError when the
 * batch is compressed, and CorruptRecordError as `decodeRecordBatch` does.
 */
export function decodeRecordBatchSync(batch: Buffer, position = 0): KafkaRecord[] {
  const region = uncompressedRecordsRegion(batch, position);
  return decodeRecords(region.buffer, region.start, region.end, region.count, region.context);
}

/** Checks what decoding relies on and gathers the header fields records need. */
function checkBatch(
  batch: Buffer,
  position: number,
): { end: number; count: number; context: RecordsContext } {
  if (batch.length - position < RECORD_BATCH_OVERHEAD) {
    throw new CorruptRecordError(`truncated batch header: ${batch.length - position} bytes`, { position });
  }
  const size = batchSizeInBytes(batch, position);
  if (size < RECORD_BATCH_OVERHEAD || size > batch.length - position) {
    throw new CorruptRecordError(
      `batchLength ${size - LOG_OVERHEAD} does not fit the ${batch.length - position} bytes given`,
      { position },
    );
  }
  const magic = batchMagic(batch, position);
  if (magic !== CURRENT_MAGIC) throw new CorruptRecordError(`unsupported batch magic ${magic}`, { position });
  try {
    return {
      end: position + size,
      count: batchRecordsCount(batch, position),
      context: {
        baseOffset: batchBaseOffset(batch, position),
        baseTimestamp: batchBaseTimestamp(batch, position),
        logAppendTime: batchIsLogAppendTime(batch, position) ? batchMaxTimestamp(batch, position) : null,
      },
    };
  } catch (error) {
    if (error instanceof SchemaError) throw new CorruptRecordError(error.message, { cause: error });
    throw error;
  }
}
