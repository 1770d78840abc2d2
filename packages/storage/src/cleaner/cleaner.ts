import {
  batchBaseOffset,
  batchCompression,
  batchIsControl,
  batchLastOffset,
  batchMaxTimestamp,
  batchRecordsCount,
  CompressionType,
  decompress,
  RECORDS_OFFSET,
} from '@sluice/protocol';
import type { Logger } from 'pino';
import type { LogConfig } from '../log-config.js';
import type { PartitionLog } from '../log/partition-log.js';
import { LogSegment } from '../segment/log-segment.js';
import { filterBatch, type BatchFilterContext } from './batch-filter.js';
import type { CleanableRange } from './cleanable-range.js';
import { OffsetMap } from './offset-map.js';
import { scanRecordsYielding } from './record-scan.js';
import { forEachSegmentBatch } from './segment-batches.js';
import { CLEANED_FILE_SUFFIX, removeCleanedSegment } from './segment-swap.js';
import { Throttler } from './throttler.js';

/** Bytes of cleaned batches gathered before one write to the cleaned segment. */
const CLEANER_WRITE_CHUNK_BYTES = 256 * 1024;
/** Offsets a segment's relative offsets can span (int32 in the offset index). */
const MAX_RELATIVE_OFFSET = 0x7fff_ffff;
/** Bytes of a time index entry, the larger of the two index entries. */
const LARGEST_INDEX_ENTRY_BYTES = 12;

/** Thrown when the dedupe buffer cannot hold the keys of even one batch: raise `log.cleaner.dedupe.buffer.size`. */
export class DedupeBufferTooSmallError extends Error {
  override readonly name = 'DedupeBufferTooSmallError';
}

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
 * Concurrency: one cleaning at a time per Cleaner (it owns the map). Appends and reads go on
 * meanwhile; the cleaner reads only inactive segments, holding references, and yields to the
 * event loop every few ms (Throttler).
 */
export class Cleaner {
  constructor(
    private readonly map: OffsetMap,
    /** `log.cleaner.io.max.bytes.per.second`; -1 for no limit. */
    private readonly ioMaxBytesPerSecond: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Cleans `log` over `range` at `nowMs` (the cleaner's clock: delete horizons). `isAborted` is
   * polled between batches.
   *
   * @throws DedupeBufferTooSmallError when one batch has more keys than the map holds.
   * @throws CorruptSegmentError / KafkaStorageError (→ 56) on damaged data or I/O failure;
   *   the partition is left as it was (cleaned files of an unfinished group are deleted).
   */
  async clean(log: PartitionLog, range: CleanableRange, nowMs: number, isAborted: () => boolean): Promise<CleanResult> {
    const throttler = new Throttler(this.ioMaxBytesPerSecond);
    const segments = log.logSegments;
    const inactive = segments.slice(0, -1);
    for (const s of inactive) s.retain();
    const stats = { bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, segmentsCleaned: 0, groups: 0, minDeleteHorizonMs: -1, aborted: false };
    try {
      const endOffset = await this.buildOffsetMap(inactive, range, throttler, stats, isAborted);
      const toClean = inactive.filter((s) => s.baseOffset < endOffset && s.size > 0);
      // A swap durably drops records the map says are superseded: the records superseding them
      // (up to endOffset, maybe in a later group, maybe not yet fsynced) must be durable first,
      // or a power cut could lose both an acknowledged value and the unacknowledged one after it.
      if (toClean.length > 0 && !isAborted()) await log.sync(endOffset - 1);
      const context: BatchFilterContext = { map: this.map, endOffset, nowMs, deleteRetentionMs: log.logConfig.deleteRetentionMs };
      const producerLastOffsets = log.producerLastOffsets();
      for (const group of groupSegments(toClean, segments, log.logConfig)) {
        if (stats.aborted || isAborted()) {
          stats.aborted = true;
          break;
        }
        await this.cleanGroup(log, group, context, producerLastOffsets, throttler, stats, isAborted);
      }
      return { endOffset: stats.aborted ? range.firstDirtyOffset : endOffset, mapKeys: this.map.size, ...stats };
    } finally {
      for (const s of inactive) s.release();
    }
  }

  /** Step 1; returns endOffset. */
  private async buildOffsetMap(
    inactive: readonly LogSegment[],
    range: CleanableRange,
    throttler: Throttler,
    stats: { bytesRead: number; aborted: boolean },
    isAborted: () => boolean,
  ): Promise<number> {
    const map = this.map;
    await map.clearYielding(() => throttler.maybeYield());
    const { firstDirtyOffset, firstUncleanableOffset } = range;
    let endOffset = firstDirtyOffset;
    let full = false;
    for (let i = 0; i < inactive.length && !full; i++) {
      const segment = inactive[i]!;
      const nextBase = inactive[i + 1]?.baseOffset ?? Number.POSITIVE_INFINITY;
      if (nextBase <= firstDirtyOffset) continue;
      if (segment.baseOffset >= firstUncleanableOffset) break;
      let stop = false;
      await forEachSegmentBatch(segment, throttler, async (buf, at, size) => {
        stats.bytesRead += size;
        const lastOffset = batchLastOffset(buf, at);
        if (lastOffset < firstDirtyOffset) return true;
        const baseOffset = batchBaseOffset(buf, at);
        if (baseOffset >= firstUncleanableOffset || isAborted()) {
          stats.aborted ||= isAborted();
          stop = true;
          return false;
        }
        if (!batchIsControl(buf, at)) {
          const count = batchRecordsCount(buf, at);
          if (map.wouldOverflow(count)) {
            if (map.size === 0) throw new DedupeBufferTooSmallError(`a batch of ${count} records does not fit the offset map (${map.maxEntries} keys): raise log.cleaner.dedupe.buffer.size`);
            full = true;
            return false;
          }
          const codec = batchCompression(buf, at);
          const body = buf.subarray(at + RECORDS_OFFSET, at + size);
          const region = codec === CompressionType.None ? body : await decompress(codec, body);
          await scanRecordsYielding(
            region,
            0,
            region.length,
            (r) => {
              if (r.keyLength >= 0) map.put(OffsetMap.hashKey(region.subarray(r.keyStart, r.keyStart + r.keyLength)), baseOffset + r.offsetDelta);
            },
            () => throttler.maybeYield(),
          );
        }
        endOffset = lastOffset + 1;
        await throttler.maybeYield();
        return true;
      });
      if (stop) break;
    }
    return endOffset;
  }

  /** Step 2 for one group: writes `<base>.*.cleaned`, fsyncs them, and swaps them in. */
  private async cleanGroup(
    log: PartitionLog,
    group: readonly LogSegment[],
    context: BatchFilterContext,
    producerLastOffsets: ReadonlySet<number>,
    throttler: Throttler,
    stats: { bytesRead: number; bytesWritten: number; recordsRemoved: number; segmentsCleaned: number; groups: number; minDeleteHorizonMs: number; aborted: boolean },
    isAborted: () => boolean,
  ): Promise<void> {
    const baseOffset = group[0]!.baseOffset;
    const cleaned = await LogSegment.create(log.dir, baseOffset, log.logConfig, context.nowMs, CLEANED_FILE_SUFFIX);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      await cleaned.write(pending, pendingBytes);
      stats.bytesWritten += pendingBytes;
      await throttler.onBytes(pendingBytes);
      pending = [];
      pendingBytes = 0;
    };
    const noteHorizon = (horizonMs: number): void => {
      if (horizonMs >= 0 && (stats.minDeleteHorizonMs < 0 || horizonMs < stats.minDeleteHorizonMs)) stats.minDeleteHorizonMs = horizonMs;
    };
    let swapped = false;
    try {
      for (let i = 0; i < group.length; i++) {
        const segment = group[i]!;
        const lastSegment = i === group.length - 1;
        await forEachSegmentBatch(segment, throttler, async (buf, at, size, position) => {
          if (isAborted()) {
            stats.aborted = true;
            return false;
          }
          stats.bytesRead += size;
          const lastOffset = batchLastOffset(buf, at);
          // The group's last batch stays (empty if need be): swap recovery reads the range it replaced from it.
          const keepEmpty = (lastSegment && position + size === segment.size) || producerLastOffsets.has(lastOffset);
          const result = await filterBatch(buf, at, context, keepEmpty, () => throttler.maybeYield());
          let out: Buffer | null = null;
          if (result.kind === 'keep') {
            out = buf.subarray(at, at + size);
            // Only a horizon with tombstones still behind it counts: one whose tombstones went would
            // make the partition look due for cleaning after every pass.
            noteHorizon(result.deleteHorizonMs);
          } else {
            stats.recordsRemoved += result.recordsRemoved;
            if (result.kind === 'rewrite') {
              out = result.batch;
              noteHorizon(result.deleteHorizonMs);
            }
          }
          if (out !== null) {
            cleaned.planBatch(lastOffset, batchMaxTimestamp(out, 0), out.length);
            pending.push(out);
            pendingBytes += out.length;
            if (pendingBytes >= CLEANER_WRITE_CHUNK_BYTES) await flush();
          }
          await throttler.maybeYield();
          return true;
        });
        if (stats.aborted) break;
      }
      if (stats.aborted) return;
      await flush();
      await cleaned.onBecomeInactive();
      await Promise.all([cleaned.syncLog(), cleaned.flushAndSyncIndexes()]);
      const sizeInBytes = cleaned.size;
      await cleaned.close();
      swapped = await log.replaceSegments(group, { baseOffset, sizeInBytes });
      if (swapped) {
        stats.segmentsCleaned += group.length;
        stats.groups++;
      } else {
        stats.aborted = true;
        this.logger.info({ topic: log.topic, partition: log.partition, baseOffset }, 'cleaned segments no longer in the log (retention or close); swap abandoned');
      }
    } finally {
      if (!swapped) {
        await cleaned.close().catch(() => undefined);
        await removeCleanedSegment(log.dir, baseOffset);
      }
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
