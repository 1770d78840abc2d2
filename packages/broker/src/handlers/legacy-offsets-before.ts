import type { PartitionLog } from '@sluice/storage';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './list-offsets-timestamps.js';

/**
 * The offsets a ListOffsets v0 request gets for one partition (Kafka 2.x
 * `UnifiedLog.legacyFetchOffsetsBefore` and `Partition.legacyFetchOffsetsForTimestamp`), newest
 * first, at most `maxNumOffsets` of them.
 *
 * The candidates are each segment's base offset (raised to logStartOffset) with the segment's
 * time, then, when the active segment holds data, the log end offset with the time now. Kafka used
 * each segment file's mtime; Sluice uses the segment's largest record timestamp (its file mtime
 * when it has no records with one), which is what mtime approximated and what retention uses.
 *  - `timestamp` -1 (latest): starts from the last candidate (the log end offset).
 *  - -2 (earliest): the first candidate alone (logStartOffset when it lies inside the first segment).
 *  - T >= 0: starts from the last candidate whose time is <= T; none → [].
 * A consumer (`replicaId` -1) never sees an offset above the high watermark: those are dropped
 * and the high watermark put first, as Kafka did. `maxNumOffsets` 0 → []. The caller checks
 * for other negative timestamps and a negative `maxNumOffsets` (INVALID_REQUEST).
 */
export async function legacyOffsetsBefore(
  log: PartitionLog,
  timestamp: number,
  maxNumOffsets: number,
  isFromConsumer: boolean,
  nowMs: number,
): Promise<number[]> {
  const segments = log.logSegments;
  const candidates: { offset: number; timeMs: number }[] = [];
  for (const segment of segments) {
    candidates.push({ offset: Math.max(segment.baseOffset, log.logStartOffset), timeMs: await segment.largestTimestamp() });
  }
  if (segments.length === 0 || segments[segments.length - 1]!.size > 0) candidates.push({ offset: log.logEndOffset, timeMs: nowMs });

  let start: number;
  if (timestamp === LATEST_TIMESTAMP) start = candidates.length - 1;
  else if (timestamp === EARLIEST_TIMESTAMP) start = 0;
  else {
    start = candidates.length - 1;
    while (start >= 0 && candidates[start]!.timeMs > timestamp) start--;
  }
  const offsets: number[] = [];
  for (let i = start; i >= 0 && offsets.length < maxNumOffsets; i--) offsets.push(candidates[i]!.offset);
  offsets.sort((a, b) => b - a);
  if (!isFromConsumer) return offsets;
  const hw = log.highWatermark;
  return offsets.some((o) => o > hw) ? [hw, ...offsets.filter((o) => o <= hw)] : offsets;
}
