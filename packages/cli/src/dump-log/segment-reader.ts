import { open } from 'node:fs/promises';
import { LENGTH_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RecordBatchView, validateRecordBatchAt, type BatchFailure } from '@sluice/protocol';

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
      /** Bytes that are not a complete, locatable batch; the walk ends here. */
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
 * match is reported and the walk goes on (its length still locates the next batch); a
 * truncated tail, a batchLength smaller than the header or a magic other than 2 end the walk with
 * an 'invalid' entry, since nothing after them can be located. Throws for I/O errors (ENOENT...).
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
    let position = 0;
    while (position < size) {
      if (windowStart + window.length - position < RECORD_BATCH_OVERHEAD) await load(position, RECORD_BATCH_OVERHEAD);
      let at = position - windowStart;
      if (window.length - at < RECORD_BATCH_OVERHEAD) {
        yield { kind: 'invalid', position, failure: 'truncated', bytesLeft: size - position };
        return;
      }
      const batchLength = window.readInt32BE(at + LENGTH_OFFSET);
      if (batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
        yield { kind: 'invalid', position, failure: 'bad-length', bytesLeft: size - position };
        return;
      }
      const sizeInBytes = batchLength + LOG_OVERHEAD;
      if (position + sizeInBytes > size) {
        yield { kind: 'invalid', position, failure: 'truncated', bytesLeft: size - position };
        return;
      }
      if (at + sizeInBytes > window.length) {
        await load(position, sizeInBytes);
        at = 0;
      }
      const validation = validateRecordBatchAt(window, at, at + sizeInBytes);
      if (!validation.ok && validation.failure !== 'bad-crc') {
        yield { kind: 'invalid', position, failure: validation.failure, bytesLeft: size - position };
        return;
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
      position += sizeInBytes;
    }
  } finally {
    await handle.close();
  }
}
