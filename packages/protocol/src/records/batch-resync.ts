import { BASE_OFFSET_OFFSET, CURRENT_MAGIC, LAST_OFFSET_DELTA_OFFSET, LENGTH_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, RECORD_BATCH_OVERHEAD } from './record-batch.js';

/**
 * Finding the next batch after damaged bytes in a log segment. A segment has no sync markers: a
 * batch is found again by trying each byte position as a batch start. This is the cheap first
 * test of a candidate; the caller then checks the whole batch with `validateRecordBatchAt`
 * (CRC-32C over its bytes), which random bytes pass with probability 2^-32.
 */

/**
 * Whether the RECORD_BATCH_OVERHEAD bytes at `at` in `buf` look like the header of a RecordBatch v2
 * that ends within `bytesToEnd` bytes (the rest of the file from `at`): magic 2, a batchLength
 * of at least the header, a baseOffset of at least `minBaseOffset` and below 2^53, a
 * lastOffsetDelta from 0 to 2^31 - 1. The caller makes sure the header bytes are in `buf`.
 */
export function isPlausibleBatchStart(buf: Buffer, at: number, bytesToEnd: number, minBaseOffset: number): boolean {
  if (buf[at + MAGIC_OFFSET] !== CURRENT_MAGIC) return false;
  const sizeInBytes = buf.readInt32BE(at + LENGTH_OFFSET) + LOG_OVERHEAD;
  if (sizeInBytes < RECORD_BATCH_OVERHEAD || sizeInBytes > bytesToEnd) return false;
  const high = buf.readInt32BE(at + BASE_OFFSET_OFFSET);
  if (high < 0 || high >= 0x20_0000) return false;
  const baseOffset = high * 0x1_0000_0000 + buf.readUInt32BE(at + BASE_OFFSET_OFFSET + 4);
  return baseOffset >= minBaseOffset && buf.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET) >= 0;
}
