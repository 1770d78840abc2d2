import { RECORDS_OFFSET } from '@sluice/protocol';
import type { Logger } from 'pino';
import type { LogConfig } from '../log-config.js';
import type { PartitionLog } from '../log/partition-log.js';
import type { LogSegment } from '../segment/log-segment.js';
import type { CleanableRange } from './cleanable-range.js';
import type { CleanerEngine } from './cleaner-engine.js';
import { earlierHorizon } from './delete-horizon-scan.js';
import { removeCleanedSegment } from './segment-swap.js';

export { DedupeBufferTooSmallError } from './cleaning-steps.js';

/** Offsets a segment's relative offsets can span (int32 in the offset index). */
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;
/** Bytes of a time index entry, the larger of the two index entries. */
const LARGEST_INDEX_ENTRY_BYTES = 12;

/** What one cleaning of a partition did (logged per pass; Kafka `CleanerStats`). */
export interface CleanResult {
  /** The new first dirty offset: the map covered [firstDirtyOffset, endOffset). */
  readonly endOffset: number;
  /** Distinct keys in the offset map. */
  readonly mapKeys: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly recordsRemoved: number;
  readonly segmentsCleaned: number;
  /** Cleaned segments written (a group of small segments becomes one). */
  readonly groups: number;
  /** Earliest delete horizon of a tombstone still in the cleaned segments (ms), or -1 when none. */
  readonly minDeleteHorizonMs: number;
  /** Whether an abort (topic deletion, shutdown) stopped the cleaning; nothing half-done stays. */
  readonly aborted: boolean;
}

/**
 * The log cleaner's work on one partition (Kafka `Cleaner.doClean`):
 * 1. builds the offset map (latest offset per key hash) over the dirty section, from the first
 *    dirty offset up to the first uncleanable offset or as far as the map's memory holds, at a
 *    batch boundary: `endOffset`;
 * 2. makes the log durable up to `endOffset` (the records that supersede others must survive a
 *    power cut that the swaps dropping those others survive), then rewrites every inactive
 *    segment below `endOffset`, grouped so that a group fits
 *    `segment.bytes` and its indexes, keeping the latest record of each key (`filterBatch`), and
 *    swaps each cleaned group in (PartitionLog.replaceSegments, crash-safe).
 * A partition with more keys than the map holds is cleaned in several passes; each pass makes
 * `endOffset` the next first dirty offset.
 *
 * Concurrency: one cleaning at a time per Cleaner (its engine owns the map). Appends and reads
 * go on meanwhile; the engine reads only inactive segments, the Cleaner holding references, on
 * the cleaner worker thread or on the event loop in slices (CleanerEngine).
 */
export class Cleaner {
  constructor(
    /** Runs the steps (in-thread or on the cleaner worker thread) and owns the offset map. */
    private readonly engine: CleanerEngine,
    private readonly logger: Logger,
  ) {}

  /**
   * Cleans `log` over `range` at `nowMs` (the cleaner's clock: delete horizons). `isAborted` is
   * polled between batches.
   *
   * @throws DedupeBufferTooSmallError when one batch has more keys than the map holds.
   * @throws CorruptSegmentError / KafkaStorageError (→ 56) on damaged data or I/O failure;
   *   CleanerWorkerExitedError when the worker thread died; the partition is left as it was
   *   (cleaned files of an unfinished group are deleted).
   */
  async clean(log: PartitionLog, range: CleanableRange, nowMs: number, isAborted: () => boolean): Promise<CleanResult> {
    const segments = log.logSegments;
    const inactive = segments.slice(0, -1);
    for (const s of inactive) s.retain();
    const stats = { bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, segmentsCleaned: 0, groups: 0, minDeleteHorizonMs: -1, aborted: false };
    try {
      const mapped = await this.engine.buildOffsetMap(inactive, range, log.logConfig, isAborted);
      const endOffset = mapped.endOffset;
      stats.bytesRead += mapped.bytesRead;
      stats.aborted = mapped.aborted;
      const toClean = inactive.filter((s) => s.baseOffset < endOffset && s.size > 0);
      // A swap durably drops records the map says are superseded: the records superseding them
      // (up to endOffset, maybe in a later group, maybe not yet fsynced) must be durable first,
      // or a power cut could lose both an acknowledged value and the unacknowledged one after it.
      if (toClean.length > 0 && !isAborted()) await log.sync(endOffset - 1);
      const producerLastOffsets = log.producerLastOffsets();
      for (const group of groupSegments(toClean, segments, log.logConfig)) {
        if (stats.aborted || isAborted()) {
          stats.aborted = true;
          break;
        }
        await this.cleanGroup(log, group, endOffset, nowMs, producerLastOffsets, stats, isAborted);
      }
      return { endOffset: stats.aborted ? range.firstDirtyOffset : endOffset, mapKeys: mapped.mapKeys, ...stats };
    } finally {
      for (const s of inactive) s.release();
    }
  }

  /** Step 2 for one group: the engine writes and fsyncs `<base>.*.cleaned`; this swaps them in. */
  private async cleanGroup(
    log: PartitionLog,
    group: readonly LogSegment[],
    endOffset: number,
    nowMs: number,
    producerLastOffsets: ReadonlySet<number>,
    stats: { bytesRead: number; bytesWritten: number; recordsRemoved: number; segmentsCleaned: number; groups: number; minDeleteHorizonMs: number; aborted: boolean },
    isAborted: () => boolean,
  ): Promise<void> {
    const baseOffset = group[0]!.baseOffset;
    let swapped = false;
    try {
      const outcome = await this.engine.writeCleanedGroup({ dir: log.dir, config: log.logConfig, group, endOffset, nowMs, deleteRetentionMs: log.logConfig.deleteRetentionMs, producerLastOffsets }, isAborted);
      stats.bytesRead += outcome.bytesRead;
      stats.bytesWritten += outcome.bytesWritten;
      stats.recordsRemoved += outcome.recordsRemoved;
      stats.minDeleteHorizonMs = earlierHorizon(stats.minDeleteHorizonMs, outcome.minDeleteHorizonMs);
      if (outcome.sizeInBytes === null) {
        stats.aborted = true;
        return;
      }
      swapped = await log.replaceSegments(group, { baseOffset, sizeInBytes: outcome.sizeInBytes });
      if (swapped) {
        stats.segmentsCleaned += group.length;
        stats.groups++;
      } else {
        stats.aborted = true;
        this.logger.info({ topic: log.topic, partition: log.partition, baseOffset }, 'cleaned segments no longer in the log (retention or close); swap abandoned');
      }
    } finally {
      // Also after a worker died mid-group: its files are closed with it.
      if (!swapped) await removeCleanedSegment(log.dir, baseOffset);
    }
  }
}

/**
 * Kafka `Cleaner.groupSegmentsBySize`: consecutive segments merged into one cleaned segment
 * while their total size fits `segment.bytes`, their indexes fit `segment.index.bytes`
 * (estimated from `index.interval.bytes`) and their offsets fit an int32 relative offset.
 * `all` is the whole log (the offset after a segment is the next one's baseOffset).
 */
export function groupSegments(segments: readonly LogSegment[], all: readonly LogSegment[], config: Pick<LogConfig, 'segmentBytes' | 'segmentIndexBytes' | 'indexIntervalBytes'>): LogSegment[][] {
  const groups: LogSegment[][] = [];
  const entryBytes = Math.max(config.indexIntervalBytes, RECORDS_OFFSET);
  const indexBytesOf = (bytes: number): number => (Math.floor(bytes / entryBytes) + 2) * LARGEST_INDEX_ENTRY_BYTES;
  const nextBaseOf = (s: LogSegment): number => all[all.indexOf(s) + 1]?.baseOffset ?? Number.POSITIVE_INFINITY;
  let i = 0;
  while (i < segments.length) {
    const group = [segments[i]!];
    let bytes = segments[i]!.size;
    i++;
    while (i < segments.length) {
      const next = segments[i]!;
      if (nextBaseOf(group[group.length - 1]!) !== next.baseOffset) break;
      if (bytes + next.size > config.segmentBytes) break;
      if (indexBytesOf(bytes + next.size) > config.segmentIndexBytes) break;
      if (nextBaseOf(next) - 1 - group[0]!.baseOffset > MAX_RELATIVE_OFFSET) break;
      group.push(next);
      bytes += next.size;
      i++;
    }
    groups.push(group);
  }
  return groups;
}
