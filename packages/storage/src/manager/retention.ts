import type { LogSegment } from '../segment/log-segment.js';
import type { PartitionLog } from '../log/partition-log.js';
import { isDeleteRetained } from '../log-config.js';
import { logStartOffsetBreached } from '../log/log-start-breached.js';

/** What retention needs to know about a segment. */
export interface RetentionSegment {
  readonly baseOffset: number;
  readonly sizeInBytes: number;
  /** Largest record timestamp in the segment (ms); the log file mtime when it has none. */
  readonly largestTimestampMs: number;
}

/**
 * Segments breaching `retention.ms` (Kafka `UnifiedLog.deleteRetentionMsBreachedSegments`):
 * the oldest segments whose largest timestamp is more than `retentionMs` before `nowMs`,
 * stopping at the first that is not. `segments` are in offset order and the last one is the
 * active segment, which is never returned. `retentionMs < 0` means unlimited (none returned).
 */
export function retentionMsBreached<T extends RetentionSegment>(segments: readonly T[], nowMs: number, retentionMs: number): T[] {
  if (retentionMs < 0) return [];
  const deletable: T[] = [];
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    if (nowMs - segment.largestTimestampMs <= retentionMs) break;
    deletable.push(segment);
  }
  return deletable;
}

/**
 * Segments breaching `retention.bytes` (Kafka `deleteRetentionSizeBreachedSegments`): oldest
 * first, each as long as the partition without it is still at least `retentionBytes` (so the
 * partition never drops below the limit because of retention). Never the active (last)
 * segment; `retentionBytes < 0` means unlimited.
 */
export function retentionSizeBreached<T extends RetentionSegment>(segments: readonly T[], retentionBytes: number): T[] {
  if (retentionBytes < 0) return [];
  let excess = -retentionBytes;
  for (const s of segments) excess += s.sizeInBytes;
  const deletable: T[] = [];
  for (let i = 0; i < segments.length - 1 && excess > 0; i++) {
    const segment = segments[i]!;
    if (excess - segment.sizeInBytes < 0) break;
    excess -= segment.sizeInBytes;
    deletable.push(segment);
  }
  return deletable;
}

interface Candidate extends RetentionSegment {
  readonly segment: LogSegment;
}

/**
 * Applies the partition's retention once at `nowMs`: first the segments wholly below
 * logStartOffset (any cleanup.policy), then, when its cleanup.policy includes `delete`
 * (`delete` or `compact,delete`), time, then size, deleting the oldest
 * segments (never the active one) and advancing logStartOffset. Returns the number deleted.
 * Reads at most one time-index entry per inactive segment (cached afterwards).
 */
export async function applyRetention(log: PartitionLog, nowMs: number): Promise<number> {
  const { retentionMs, retentionBytes, cleanupPolicy } = log.logConfig;
  let deleted = await log.deleteOldestSegments(logStartOffsetBreached(log.logSegments, log.logStartOffset));
  // `compact` alone keeps every segment: the log cleaner, not retention, bounds the log.
  if (!isDeleteRetained(cleanupPolicy)) return deleted;
  if (retentionMs < 0 && retentionBytes < 0) return deleted;
  if (retentionMs >= 0) {
    const candidates: Candidate[] = [];
    const segments = log.logSegments;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      // Only a prefix can be deleted: stop reading timestamps at the first young segment.
      const largestTimestampMs = i === segments.length - 1 ? nowMs : await segment.largestTimestamp();
      candidates.push({ segment, baseOffset: segment.baseOffset, sizeInBytes: segment.size, largestTimestampMs });
      if (nowMs - largestTimestampMs <= retentionMs) break;
    }
    if (candidates.at(-1)?.segment !== segments.at(-1)) candidates.push(activeCandidate(segments.at(-1)!, nowMs));
    deleted += await log.deleteOldestSegments(retentionMsBreached(candidates, nowMs, retentionMs).map((c) => c.segment));
  }
  if (retentionBytes >= 0) {
    const candidates = log.logSegments.map((segment) => activeCandidate(segment, nowMs));
    deleted += await log.deleteOldestSegments(retentionSizeBreached(candidates, retentionBytes).map((c) => c.segment));
  }
  return deleted;
}

function activeCandidate(segment: LogSegment, nowMs: number): Candidate {
  return { segment, baseOffset: segment.baseOffset, sizeInBytes: segment.size, largestTimestampMs: nowMs };
}
