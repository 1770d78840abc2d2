import { batchMaxTimestamp, RECORD_BATCH_OVERHEAD } from '@sluice/protocol';
import type { PartitionLog } from '../log/partition-log.js';
import type { LogSegment } from '../segment/log-segment.js';

/** What the cleaner could clean in a partition now (Kafka `LogCleanerManager.cleanableOffsets` and `LogToClean`). */
export interface CleanableRange {
  /** Where cleaning would start: the checkpointed first dirty offset, at least logStartOffset. */
  readonly firstDirtyOffset: number;
  /**
   * Offsets from here on are not cleaned: the active segment's baseOffset, or that of the first
   * segment younger than `min.compaction.lag.ms` or ending above the high watermark.
   */
  readonly firstUncleanableOffset: number;
  /** Bytes of the segments before the first dirty offset (already cleaned). */
  readonly cleanBytes: number;
  /** Bytes of the segments from the first dirty offset to the first uncleanable offset. */
  readonly dirtyBytes: number;
  /** dirtyBytes / (cleanBytes + dirtyBytes), 0 when both are 0 (Kafka's dirty ratio). */
  readonly dirtyRatio: number;
  /** Whether the first dirty batch is older than `max.compaction.lag.ms` (KIP-354). */
  readonly maxCompactionLagExceeded: boolean;
}

/**
 * The cleanable range of `log` at `nowMs`, given its checkpointed first dirty offset (0 when
 * unknown). Reads at most one time-index entry per dirty segment and one batch header.
 */
export async function cleanableRange(log: PartitionLog, checkpointedFirstDirty: number, nowMs: number): Promise<CleanableRange> {
  const segments = log.logSegments;
  const config = log.logConfig;
  const active = segments[segments.length - 1]!;
  let firstDirtyOffset = Math.max(checkpointedFirstDirty, log.logStartOffset);
  // A checkpoint beyond the log (its tail lost in a crash, or the partition recreated) restarts from the start.
  if (firstDirtyOffset > log.logEndOffset) firstDirtyOffset = log.logStartOffset;
  let firstUncleanableOffset = active.baseOffset;
  let cleanBytes = 0;
  let dirtyBytes = 0;
  let firstDirtySegment: LogSegment | null = null;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const nextBase = segments[i + 1]!.baseOffset;
    if (nextBase <= firstDirtyOffset) {
      cleanBytes += segment.size;
      continue;
    }
    // A replicated log cleans only committed data (Kafka bounds cleaning by the last stable
    // offset, never above the high watermark): a follower may still truncate what lies above.
    if (nextBase > log.highWatermark) {
      firstUncleanableOffset = Math.max(segment.baseOffset, firstDirtyOffset);
      break;
    }
    if (config.minCompactionLagMs > 0 && nowMs - (await segment.largestTimestamp()) < config.minCompactionLagMs) {
      firstUncleanableOffset = Math.max(segment.baseOffset, firstDirtyOffset);
      break;
    }
    firstDirtySegment ??= segment;
    dirtyBytes += segment.size;
  }
  if (firstUncleanableOffset < firstDirtyOffset) firstUncleanableOffset = firstDirtyOffset;
  let maxCompactionLagExceeded = false;
  if (firstDirtySegment !== null && config.maxCompactionLagMs < Number.MAX_SAFE_INTEGER && firstDirtySegment.size >= RECORD_BATCH_OVERHEAD) {
    firstDirtySegment.retain();
    try {
      const header = await firstDirtySegment.read(0, RECORD_BATCH_OVERHEAD);
      maxCompactionLagExceeded = header.length === RECORD_BATCH_OVERHEAD && nowMs - batchMaxTimestamp(header) > config.maxCompactionLagMs;
    } finally {
      firstDirtySegment.release();
    }
  }
  const total = cleanBytes + dirtyBytes;
  return { firstDirtyOffset, firstUncleanableOffset, cleanBytes, dirtyBytes, dirtyRatio: total === 0 ? 0 : dirtyBytes / total, maxCompactionLagExceeded };
}
