import { firstRecordAtOrAfter, validateRecordBatchAt } from '@sluice/protocol';
import { CorruptSegmentError } from '../errors.js';
import type { LogSegment } from '../segment/log-segment.js';

/**
 * The read side of a partition log over a snapshot of its segments: fetch (whole batches up to
 * a byte budget) and offset-by-timestamp. Pure functions of the snapshot; the caller passes the
 * readable end of the last segment so nothing above the high watermark is returned.
 */

/** A consistent view of the log for one read: segments in offset order, and where data ends. */
export interface LogSnapshot {
  readonly segments: readonly LogSegment[];
  /** The segment that was active when the snapshot was taken (the last to read from). */
  readonly endSegment: LogSegment;
  /** Readable bytes of `endSegment` at snapshot time. */
  readonly endPosition: number;
}

/** Whole batches read for a fetch and their total size in bytes. */
export interface BatchesRead {
  readonly records: Buffer[];
  readonly sizeInBytes: number;
}

/** Index of the last segment whose baseOffset <= offset (binary search), or -1. */
export function floorSegmentIndex(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * Reads whole batches starting with the one containing `fetchOffset` (Kafka `UnifiedLog.read`
 * → `LogSegment.read`), continuing into following segments while `maxBytes` allows. When the
 * first batch alone exceeds `maxBytes`, it is returned whole if `minOneBatch`, else nothing.
 * Never returns a partial batch, nor one that fails its CRC-32C check: the read stops before a
 * damaged batch and throws CorruptSegmentError (→ KAFKA_STORAGE_ERROR 56) when it would be the
 * first. `fetchOffset` must be within the log (checked by the caller).
 * The Buffers may be lent by `fetchBufferPool`: whoever writes them to a socket releases them
 * afterwards; anyone else may keep them (io/fetch-buffer-pool.ts).
 */
export async function readBatches(snapshot: LogSnapshot, fetchOffset: number, maxBytes: number, minOneBatch: boolean): Promise<BatchesRead> {
  const { segments, endSegment, endPosition } = snapshot;
  const records: Buffer[] = [];
  let sizeInBytes = 0;
  let offset = fetchOffset;
  const held = holdSegments(segments, Math.max(floorSegmentIndex(segments, fetchOffset), 0));
  try {
    for (const segment of held) {
      const end = segment === endSegment ? endPosition : segment.size;
      const remaining = maxBytes - sizeInBytes;
      const read = await segment.readBatchesFrom(offset, end, remaining, minOneBatch && records.length === 0);
      if (!read.found) {
        if (segment === endSegment) break;
        continue;
      }
      const { data } = read;
      if (data.length > 0) {
        records.push(data);
        sizeInBytes += data.length;
        offset = read.lastOffset + 1;
      }
      if (read.position + data.length < end || segment === endSegment || sizeInBytes >= maxBytes) break;
    }
  } finally {
    releaseSegments(held);
  }
  return { records, sizeInBytes };
}

/**
 * Retains `segments[from..]` at once, before the read's first await: a segment that retention or
 * the cleaner removes while the read runs keeps its files until the read releases it (a segment
 * retained only when the read reaches it may already be unlinked by then).
 */
function holdSegments(segments: readonly LogSegment[], from: number): readonly LogSegment[] {
  const held = segments.slice(from);
  for (const segment of held) segment.retain();
  return held;
}

function releaseSegments(held: readonly LogSegment[]): void {
  for (const segment of held) segment.release();
}

/**
 * The first record at or after `timestampMs` (Kafka `UnifiedLog.fetchOffsetByTimestamp`): skip
 * segments whose largest timestamp is below it, then in the first candidate start from the time
 * index's last entry below the target, walk batch headers to the first batch whose maxTimestamp
 * reaches it, and find the exact record with `firstRecordAtOrAfter`. Null when no record has a
 * timestamp >= `timestampMs`. Records below `minOffset` (the logStartOffset) are skipped. Throws CorruptSegmentError (→ 56) when that batch, or the headers
 * walked to it, are damaged.
 */
export async function findOffsetByTimestamp(snapshot: LogSnapshot, timestampMs: number, minOffset = 0): Promise<{ offset: number; timestamp: number } | null> {
  const { segments, endSegment, endPosition } = snapshot;
  const held = holdSegments(segments, 0);
  try {
    return await findInSegments(held, endSegment, endPosition, timestampMs, minOffset);
  } finally {
    releaseSegments(held);
  }
}

/** The search of {@link findOffsetByTimestamp} over segments its caller holds. */
async function findInSegments(segments: readonly LogSegment[], endSegment: LogSegment, endPosition: number, timestampMs: number, minOffset: number): Promise<{ offset: number; timestamp: number } | null> {
  for (const segment of segments) {
    const end = segment === endSegment ? endPosition : segment.size;
    const largest = segment.knownMaxTimestamp() ?? (await segment.largestTimestamp());
    if (largest >= timestampMs && end > 0) {
      await segment.ensureIndexesLoaded();
      const below = segment.timeIndex.lastEntryBelow(timestampMs);
      let start = below ? segment.offsetIndex.lookup(below.offset).position : 0;
      while (start < end) {
        const batch = await segment.findBatchByTimestamp(timestampMs, start, end);
        if (batch === null) break;
        if (batch.lastOffset < minOffset) {
          start = batch.position + batch.sizeInBytes;
          continue;
        }
        const bytes = await segment.read(batch.position, batch.sizeInBytes);
        const check = validateRecordBatchAt(bytes);
        if (!check.ok) throw new CorruptSegmentError(segment.filePath, batch.position, batch.lastOffset, `looking for timestamp ${timestampMs}: ${check.failure} batch`);
        const found = await firstRecordAtOrAfter(bytes, timestampMs, 0, minOffset);
        if (found) return { offset: found.offset, timestamp: found.timestamp };
        start = batch.position + batch.sizeInBytes;
      }
    }
    if (segment === endSegment) break;
  }
  return null;
}
