import { batchBaseOffset, batchMaxTimestamp, batchSizeInBytes, CURRENT_MAGIC, MAGIC_OFFSET, MAX_TIMESTAMP_OFFSET, RECORD_BATCH_OVERHEAD, validateRecordBatchAt } from '@sluice/protocol';
import { readFullyAt } from '../io/disk.js';

/** Bytes read per syscall while walking batch headers (covers several index intervals). */
export const HEADER_SCAN_CHUNK_BYTES = 64 * 1024;

/**
 * Called with a Buffer holding at least the whole header ({@link RECORD_BATCH_OVERHEAD} bytes)
 * of the batch at file `position`, found at `at` within the buffer. Return false to stop.
 */
export type BatchHeaderVisitor = (buf: Buffer, at: number, position: number, sizeInBytes: number) => boolean | void;

/** Where {@link scanBatchHeaders} stopped (a byte position) and, when at damage, why. */
export interface HeaderScanStop {
  readonly position: number;
  /** Null at `end` or at a batch the visitor stopped at; else what is wrong at `position`. */
  readonly damage: string | null;
}

/**
 * Walks the batch headers of a log file between byte positions `start` and `end` (exclusive),
 * reading {@link HEADER_SCAN_CHUNK_BYTES} at a time and skipping batch bodies, without checking
 * CRCs (that is for whoever reads the batch). `end` must be a batch boundary (a segment's size or
 * a snapshot's readable end), so a header that is short of a batch, runs past `end`, has a magic
 * other than 2 or a baseOffset beyond 2^53 is damage, reported in the stop.
 */
export async function scanBatchHeaders(fd: number, filePath: string, start: number, end: number, visit: BatchHeaderVisitor): Promise<HeaderScanStop> {
  let position = start;
  let chunk = Buffer.allocUnsafe(Math.min(HEADER_SCAN_CHUNK_BYTES, Math.max(end - start, 0)));
  let chunkStart = 0;
  let chunkLength = 0;
  while (position < end) {
    if (position + RECORD_BATCH_OVERHEAD > end) return { position, damage: `${end - position} bytes before byte ${end}, less than a batch header` };
    let at = position - chunkStart;
    if (at < 0 || at + RECORD_BATCH_OVERHEAD > chunkLength) {
      const length = Math.min(chunk.length, end - position);
      chunkStart = position;
      chunkLength = await readFullyAt(fd, filePath, chunk, 0, length, position);
      at = 0;
      if (chunkLength < RECORD_BATCH_OVERHEAD) return { position, damage: `the file ends before byte ${end}` };
    }
    const size = batchSizeInBytes(chunk, at);
    if (size < RECORD_BATCH_OVERHEAD || position + size > end) return { position, damage: `batchLength ${size - 12} does not fit the ${end - position} bytes to byte ${end}` };
    if (chunk[at + MAGIC_OFFSET] !== CURRENT_MAGIC) return { position, damage: `magic ${chunk[at + MAGIC_OFFSET]}` };
    const high = chunk.readInt32BE(at);
    if (high < 0 || high >= 0x20_0000) return { position, damage: 'baseOffset outside [0, 2^53)' };
    if (visit(chunk, at, position, size) === false) return { position, damage: null };
    position += size;
  }
  return { position, damage: null };
}

/** A read's whole valid batches: their length (bytes), where the last starts (-1: none), and the first damaged one. */
export interface CheckedBatches {
  readonly length: number;
  readonly lastBatchAt: number;
  /** Where in the buffer the first batch that fails its check starts; -1 when none does. */
  readonly damagedAt: number;
  readonly damage: string;
}

/**
 * The longest prefix of `buf` made of whole batches that pass `validateRecordBatchAt` (length,
 * magic 2, CRC-32C: Kafka `DefaultRecordBatch.ensureValid`), so a fetch never serves damaged
 * bytes. A batch cut off by the end of `buf` ends the prefix normally (a read's byte budget);
 * one that fails its check ends it at `damagedAt`.
 */
export function checkedBatches(buf: Buffer): CheckedBatches {
  let at = 0;
  let lastBatchAt = -1;
  while (at < buf.length) {
    const check = validateRecordBatchAt(buf, at, buf.length);
    if (!check.ok) {
      if (check.failure === 'truncated') break;
      const damage = check.failure === 'bad-crc' ? `CRC-32C mismatch (stored ${check.storedCrc}, computed ${check.computedCrc})` : check.failure;
      return { length: at, lastBatchAt, damagedAt: at, damage };
    }
    lastBatchAt = at;
    at += check.sizeInBytes;
  }
  return { length: at, lastBatchAt, damagedAt: -1, damage: '' };
}

/** Whether the batch at the start of `chunk` has baseOffset `offset` (false for garbage beyond 2^53 too). */
export function hasBaseOffset(chunk: Buffer, offset: number): boolean {
  const high = chunk.readInt32BE(0);
  return high >= 0 && high < 0x20_0000 && batchBaseOffset(chunk, 0) === offset;
}

/** A batch's maxTimestamp; a damaged value beyond ±2^53 reads as the largest, so the batch is read (and its CRC refuses it). */
export function maxTimestampOrMax(buf: Buffer, at: number): number {
  const high = buf.readInt32BE(at + MAX_TIMESTAMP_OFFSET);
  return high >= 0x20_0000 || high < -0x20_0000 ? Number.MAX_SAFE_INTEGER : batchMaxTimestamp(buf, at);
}
