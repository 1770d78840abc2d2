import { open } from 'node:fs/promises';
import {
  batchLastOffset,
  isPlausibleBatchStart,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  validateRecordBatchAt,
  type BatchFailure,
} from '@sluice/protocol';

/** One thing found walking a segment file. */
export type SegmentEntry =
  | {
      readonly kind: 'batch';
      /** Byte position of the batch in the file. */
      readonly position: number;
      /** The batch (a view into a read window, valid until the next entry is requested). */
      readonly batch: RecordBatchView;
      /** Whether the stored CRC-32C matches the bytes (Kafka `isValid`). */
      readonly crcValid: boolean;
      readonly storedCrc: number;
      readonly computedCrc: number;
    }
  | {
      /**
       * Bytes [position, endPosition) that are not a batch, followed by a valid batch at
       * endPosition, where the walk resynchronised and goes on.
       */
      readonly kind: 'damaged';
      readonly position: number;
      readonly endPosition: number;
      readonly failure: BatchFailure;
    }
  | {
      /** Bytes that are not a complete, locatable batch, and no valid batch after them; the walk ends here. */
      readonly kind: 'invalid';
      readonly position: number;
      readonly failure: BatchFailure;
      /** Bytes from `position` to the end of the file. */
      readonly bytesLeft: number;
    };

/** Bytes read at a time; a larger batch gets a window of its own size. */
const WINDOW_BYTES = 1 << 20;

/**
 * Walks the RecordBatch v2 batches of a `.log` segment file (docs/storage-format.md) in order,
 * reading it in windows so a 1 GiB segment never sits in memory. Every batch is checked with
 * `validateRecordBatchAt` (Kafka `DefaultRecordBatch.ensureValid`): a batch whose CRC does not
 * match is reported and the walk goes on (its length still locates the next batch). Where the
 * framing breaks (a batchLength smaller than the header or past the end of the file, a magic
 * other than 2) the walk looks for the next valid batch, trying each later byte position
 * (`isPlausibleBatchStart`, then the CRC, as recovery does): found, it reports the bytes in
 * between as 'damaged' and goes on there; not found, it ends with an 'invalid' entry (a torn
 * tail). Throws for I/O errors (ENOENT...).
 */
export async function* readSegment(path: string): AsyncGenerator<SegmentEntry> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    let window = Buffer.alloc(0);
    let windowStart = 0;
    const load = async (from: number, minBytes: number) => {
      const length = Math.min(size - from, Math.max(WINDOW_BYTES, minBytes));
      window = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(window, filled, length - filled, from + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      window = window.subarray(0, filled);
      windowStart = from;
    };
    /** The position of the first valid batch after `from` with offsets from `minBaseOffset`, or -1. */
    const resync = async (from: number, minBaseOffset: number): Promise<number> => {
      let q = from + 1;
      while (q + RECORD_BATCH_OVERHEAD <= size) {
        if (q < windowStart || q + RECORD_BATCH_OVERHEAD > windowStart + window.length) await load(q, RECORD_BATCH_OVERHEAD);
        let at = q - windowStart;
        const last = window.length - RECORD_BATCH_OVERHEAD;
        while (at <= last && !isPlausibleBatchStart(window, at, size - q, minBaseOffset)) {
          at++;
          q++;
        }
        if (at > last) continue;
        const candidateSize = window.readInt32BE(at + LENGTH_OFFSET) + LOG_OVERHEAD;
        if (at + candidateSize > window.length) {
          await load(q, candidateSize);
          at = 0;
        }
        if (validateRecordBatchAt(window, at, at + candidateSize).ok) return q;
        q++;
      }
      return -1;
    };
    let position = 0;
    let nextOffset = 0;
    while (position < size) {
      if (position < windowStart || windowStart + window.length - position < RECORD_BATCH_OVERHEAD) await load(position, RECORD_BATCH_OVERHEAD);
      let at = position - windowStart;
      let failure: BatchFailure | null = null;
      let sizeInBytes = 0;
      if (window.length - at < RECORD_BATCH_OVERHEAD) {
        failure = 'truncated';
      } else {
        const batchLength = window.readInt32BE(at + LENGTH_OFFSET);
        sizeInBytes = batchLength + LOG_OVERHEAD;
        if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) failure = 'bad-length';
        else if (position + sizeInBytes > size) failure = 'truncated';
      }
      let validation: ReturnType<typeof validateRecordBatchAt> | null = null;
      if (failure === null) {
        if (at + sizeInBytes > window.length) {
          await load(position, sizeInBytes);
          at = 0;
        }
        validation = validateRecordBatchAt(window, at, at + sizeInBytes);
        if (!validation.ok && validation.failure !== 'bad-crc') failure = validation.failure;
      }
      if (failure !== null || validation === null) {
        const next = await resync(position, nextOffset);
        if (next < 0) {
          yield { kind: 'invalid', position, failure: failure ?? 'truncated', bytesLeft: size - position };
          return;
        }
        yield { kind: 'damaged', position, endPosition: next, failure: failure ?? 'truncated' };
        position = next;
        continue;
      }
      const batch = new RecordBatchView(window, at);
      const storedCrc = batch.crc;
      yield {
        kind: 'batch',
        position,
        batch,
        crcValid: validation.ok,
        storedCrc,
        computedCrc: validation.ok ? storedCrc : (validation.computedCrc ?? -1),
      };
      if (validation.ok) nextOffset = batchLastOffset(window, at) + 1;
      position += sizeInBytes;
    }
  } finally {
    await handle.close();
  }
}
