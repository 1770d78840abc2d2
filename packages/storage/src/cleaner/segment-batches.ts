import { batchSizeInBytes, RECORD_BATCH_OVERHEAD, validateRecordBatchAt } from '@sluice/protocol';
import { CorruptSegmentError } from '../errors.js';
import type { LogSegment } from '../segment/log-segment.js';
import type { Throttler } from './throttler.js';

/** Bytes the cleaner reads per syscall (a larger batch is read whole). */
export const CLEANER_READ_CHUNK_BYTES = 256 * 1024;

/**
 * Called with each whole batch of a segment: `buf[at, at + sizeInBytes)`, at file `position`.
 * `buf` is the cleaner's own memory (never pooled): slices of it may be kept. Return false to stop.
 */
export type SegmentBatchVisitor = (buf: Buffer, at: number, sizeInBytes: number, position: number) => Promise<boolean | void> | boolean | void;

/**
 * Reads every batch of `segment` in order, {@link CLEANER_READ_CHUNK_BYTES} at a time, each
 * checked against its CRC-32C (damaged bytes are never copied into a cleaned segment), counting
 * the bytes read with `throttler`. The caller holds a reference on the segment.
 *
 * @throws CorruptSegmentError (→ 56) at a batch that does not frame or fails its CRC.
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function forEachSegmentBatch(segment: LogSegment, throttler: Throttler, visit: SegmentBatchVisitor): Promise<void> {
  const end = segment.size;
  let position = 0;
  while (position < end) {
    let buf = await segment.read(position, Math.min(CLEANER_READ_CHUNK_BYTES, end - position));
    await throttler.onBytes(buf.length);
    let at = 0;
    while (at + RECORD_BATCH_OVERHEAD <= buf.length) {
      const size = batchSizeInBytes(buf, at);
      if (size < RECORD_BATCH_OVERHEAD || at + size > buf.length) break;
      const check = validateRecordBatchAt(buf, at, at + size);
      if (!check.ok) throw new CorruptSegmentError(segment.filePath, position + at, -1, `log cleaner: ${check.failure} batch`);
      if ((await visit(buf, at, size, position + at)) === false) return;
      at += size;
    }
    if (at === 0) {
      // One batch larger than the chunk: read it whole.
      const size = buf.length >= RECORD_BATCH_OVERHEAD ? batchSizeInBytes(buf, 0) : 0;
      if (size < RECORD_BATCH_OVERHEAD || position + size > end) throw new CorruptSegmentError(segment.filePath, position, -1, 'log cleaner: batch does not frame');
      buf = await segment.read(position, size);
      await throttler.onBytes(buf.length);
      const check = validateRecordBatchAt(buf, 0, buf.length);
      if (!check.ok) throw new CorruptSegmentError(segment.filePath, position, -1, `log cleaner: ${check.failure} batch`);
      if ((await visit(buf, 0, size, position)) === false) return;
      at = size;
    }
    position += at;
  }
}
