import { batchSizeInBytes, RECORD_BATCH_OVERHEAD } from '@sluice/protocol';
import { readFullyAt } from '../io/disk.js';

/** Bytes read per syscall while walking batch headers (covers several index intervals). */
export const HEADER_SCAN_CHUNK_BYTES = 64 * 1024;

/**
 * Called with a Buffer holding at least the whole header ({@link RECORD_BATCH_OVERHEAD} bytes)
 * of the batch at file `position`, found at `at` within the buffer. Return false to stop.
 */
export type BatchHeaderVisitor = (buf: Buffer, at: number, position: number, sizeInBytes: number) => boolean | void;

/**
 * Walks the batch headers of a log file between byte positions `start` and `end` (exclusive),
 * reading {@link HEADER_SCAN_CHUNK_BYTES} at a time and skipping batch bodies, without checking
 * CRCs (the data is trusted: below the recovery point or written by this process).
 *
 * Returns the position where the walk stopped: `end` after the last whole batch, the position
 * of the batch the visitor stopped at, or of the first incomplete or malformed header.
 */
export async function scanBatchHeaders(fd: number, filePath: string, start: number, end: number, visit: BatchHeaderVisitor): Promise<number> {
  let position = start;
  let chunk = Buffer.allocUnsafe(Math.min(HEADER_SCAN_CHUNK_BYTES, Math.max(end - start, 0)));
  let chunkStart = 0;
  let chunkLength = 0;
  while (position + RECORD_BATCH_OVERHEAD <= end) {
    let at = position - chunkStart;
    if (at < 0 || at + RECORD_BATCH_OVERHEAD > chunkLength) {
      const length = Math.min(chunk.length, end - position);
      chunkStart = position;
      chunkLength = await readFullyAt(fd, filePath, chunk, 0, length, position);
      at = 0;
      if (chunkLength < RECORD_BATCH_OVERHEAD) return position;
    }
    const size = batchSizeInBytes(chunk, at);
    if (size < RECORD_BATCH_OVERHEAD || position + size > end) return position;
    if (visit(chunk, at, position, size) === false) return position;
    position += size;
  }
  return position;
}

