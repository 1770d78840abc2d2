import { readInt64At, writeInt64At } from '../primitives/int64.js';

/**
 * RecordBatch v2 (magic 2) header layout (Kafka `DefaultRecordBatch`, KIP-98).
 *
 * ```
 * offset size field                  CRC covers?  broker writes?
 *  0     8    baseOffset   int64     no           yes: assigned at append
 *  8     4    batchLength  int32     no           no   (bytes after this field = total - 12)
 * 12     4    partitionLeaderEpoch   no           may (we leave the producer's value)
 * 16     1    magic        int8 = 2  no           no
 * 17     4    crc          uint32 CRC-32C of bytes 21..end
 * 21     2    attributes   int16     yes          bits 0-2 codec, 3 timestampType, 4 transactional, 5 control
 * 23     4    lastOffsetDelta int32  yes
 * 27     8    baseTimestamp int64    yes
 * 35     8    maxTimestamp  int64    yes
 * 43     8    producerId    int64    yes (-1 = none)
 * 51     2    producerEpoch int16    yes
 * 53     4    baseSequence  int32    yes
 * 57     4    recordsCount  int32    yes
 * 61     …    records (one compressed blob when codec != 0)
 * ```
 * Because the CRC starts at `attributes`, assigning offsets by patching `baseOffset` (and the
 * leader epoch) never invalidates it: the broker stores the producer's bytes as they came.
 *
 * The accessors below read straight from a Buffer at a byte `position` (the batch start); hot
 * paths never build intermediate objects.
 */
export const BASE_OFFSET_OFFSET = 0;
export const BASE_OFFSET_LENGTH = 8;
export const LENGTH_OFFSET = BASE_OFFSET_OFFSET + BASE_OFFSET_LENGTH;
export const LENGTH_LENGTH = 4;
export const PARTITION_LEADER_EPOCH_OFFSET = LENGTH_OFFSET + LENGTH_LENGTH;
export const PARTITION_LEADER_EPOCH_LENGTH = 4;
export const MAGIC_OFFSET = PARTITION_LEADER_EPOCH_OFFSET + PARTITION_LEADER_EPOCH_LENGTH;
export const MAGIC_LENGTH = 1;
export const CRC_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH;
export const CRC_LENGTH = 4;
export const ATTRIBUTES_OFFSET = CRC_OFFSET + CRC_LENGTH;
export const ATTRIBUTE_LENGTH = 2;
export const LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + ATTRIBUTE_LENGTH;
export const LAST_OFFSET_DELTA_LENGTH = 4;
export const BASE_TIMESTAMP_OFFSET = LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH;
export const BASE_TIMESTAMP_LENGTH = 8;
export const MAX_TIMESTAMP_OFFSET = BASE_TIMESTAMP_OFFSET + BASE_TIMESTAMP_LENGTH;
export const MAX_TIMESTAMP_LENGTH = 8;
export const PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + MAX_TIMESTAMP_LENGTH;
export const PRODUCER_ID_LENGTH = 8;
export const PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + PRODUCER_ID_LENGTH;
export const PRODUCER_EPOCH_LENGTH = 2;
export const BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + PRODUCER_EPOCH_LENGTH;
export const BASE_SEQUENCE_LENGTH = 4;
export const RECORDS_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + BASE_SEQUENCE_LENGTH;
export const RECORDS_COUNT_LENGTH = 4;
export const RECORDS_OFFSET = RECORDS_COUNT_OFFSET + RECORDS_COUNT_LENGTH;
/** Size of the batch header, i.e. of a batch with no records (bytes). */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** baseOffset + batchLength: the prefix before the length-counted part (bytes). */
export const LOG_OVERHEAD = LENGTH_OFFSET + LENGTH_LENGTH;
/** The only record format this broker stores. */
export const CURRENT_MAGIC = 2;

/** attributes bits 0-2: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
export const COMPRESSION_CODEC_MASK = 0x07;
/** attributes bit 3: 0 CreateTime, 1 LogAppendTime. */
export const TIMESTAMP_TYPE_MASK = 0x08;
/** attributes bit 4. */
export const TRANSACTIONAL_FLAG_MASK = 0x10;
/** attributes bit 5. */
export const CONTROL_FLAG_MASK = 0x20;
/** attributes bit 6. */
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** No producer id: a non-idempotent batch, whatever epoch and sequence say. */
export const NO_PRODUCER_ID = -1;

/** baseOffset of the batch starting at `position`. */
export function batchBaseOffset(buf: Buffer, position = 0): number {
  return readInt64At(buf, position + BASE_OFFSET_OFFSET);
}

/** Overwrites baseOffset in place; the CRC does not cover it, so it stays valid. */
export function setBatchBaseOffset(buf: Buffer, baseOffset: number, position = 0): void {
  writeInt64At(buf, baseOffset, position + BASE_OFFSET_OFFSET);
}

/**
 * partitionLeaderEpoch (KIP-101): the leader epoch of the broker that appended the batch, -1 when
 * none was stamped. Not covered by the CRC.
 */
export function batchPartitionLeaderEpoch(buf: Buffer, position = 0): number {
  return buf.readInt32BE(position + PARTITION_LEADER_EPOCH_OFFSET);
}

/** Overwrites partitionLeaderEpoch in place; the CRC does not cover it, so it stays valid. */
export function setBatchPartitionLeaderEpoch(buf: Buffer, leaderEpoch: number, position = 0): void {
  buf.writeInt32BE(leaderEpoch, position + PARTITION_LEADER_EPOCH_OFFSET);
}

/** batchLength: bytes after the length field. The whole batch is `batchLength + LOG_OVERHEAD`. */
export function batchLength(buf: Buffer, position = 0): number {
  return buf.readInt32BE(position + LENGTH_OFFSET);
}

/** Total size of the batch in bytes, from its length field. */
export function batchSizeInBytes(buf: Buffer, position = 0): number {
  return buf.readInt32BE(position + LENGTH_OFFSET) + LOG_OVERHEAD;
}

export function batchMagic(buf: Buffer, position = 0): number {
  return buf.readInt8(position + MAGIC_OFFSET);
}

/** The stored CRC-32C (unsigned). */
export function batchCrc(buf: Buffer, position = 0): number {
  return buf.readUInt32BE(position + CRC_OFFSET);
}

export function batchAttributes(buf: Buffer, position = 0): number {
  return buf.readInt16BE(position + ATTRIBUTES_OFFSET);
}

/** Compression codec id from the attributes (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
export function batchCompression(buf: Buffer, position = 0): number {
  return buf.readInt16BE(position + ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK;
}

export function batchLastOffsetDelta(buf: Buffer, position = 0): number {
  return buf.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
}

/** baseOffset + lastOffsetDelta: the offset of the batch's last record. */
export function batchLastOffset(buf: Buffer, position = 0): number {
  return batchBaseOffset(buf, position) + batchLastOffsetDelta(buf, position);
}

/** baseTimestamp (ms). */
export function batchBaseTimestamp(buf: Buffer, position = 0): number {
  return readInt64At(buf, position + BASE_TIMESTAMP_OFFSET);
}

/** maxTimestamp (ms): the largest record timestamp in the batch. */
export function batchMaxTimestamp(buf: Buffer, position = 0): number {
  return readInt64At(buf, position + MAX_TIMESTAMP_OFFSET);
}

export function batchProducerId(buf: Buffer, position = 0): number {
  return readInt64At(buf, position + PRODUCER_ID_OFFSET);
}

export function batchProducerEpoch(buf: Buffer, position = 0): number {
  return buf.readInt16BE(position + PRODUCER_EPOCH_OFFSET);
}

export function batchBaseSequence(buf: Buffer, position = 0): number {
  return buf.readInt32BE(position + BASE_SEQUENCE_OFFSET);
}

export function batchRecordsCount(buf: Buffer, position = 0): number {
  return buf.readInt32BE(position + RECORDS_COUNT_OFFSET);
}

/** Whether the batch's timestamps are LogAppendTime (attributes bit 3). */
export function batchIsLogAppendTime(buf: Buffer, position = 0): boolean {
  return (batchAttributes(buf, position) & TIMESTAMP_TYPE_MASK) !== 0;
}

/** Whether this is a control batch (transaction markers; attributes bit 5). */
export function batchIsControl(buf: Buffer, position = 0): boolean {
  return (batchAttributes(buf, position) & CONTROL_FLAG_MASK) !== 0;
}
