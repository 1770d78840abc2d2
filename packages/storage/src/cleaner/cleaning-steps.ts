import { batchBaseOffset, batchCompression, batchIsControl, batchLastOffset, batchMaxTimestamp, batchRecordsCount, CompressionType, decompress, RECORDS_OFFSET } from '@sluice/protocol';
import { LogSegment } from '../segment/log-segment.js';
import type { SegmentIndexConfig } from '../segment/segment-indexes.js';
import { filterBatch, type BatchFilterContext } from './batch-filter.js';
import { earlierHorizon } from './delete-horizon-scan.js';
import { OffsetMap } from './offset-map.js';
import { scanRecordsYielding } from './record-scan.js';
import { forEachSegmentBatch } from './segment-batches.js';
import { CLEANED_FILE_SUFFIX, removeCleanedSegment } from './segment-swap.js';
import type { Throttler } from './throttler.js';

/** Bytes of cleaned batches gathered before one write to the cleaned segment. */
const CLEANER_WRITE_CHUNK_BYTES = 256 * 1024;
/**
 * Bytes written to a cleaned .log between two fdatasyncs of it. Without them a group's up to
 * `segment.bytes` of dirty pages reach the disk in writeback bursts that the group commit's
 * fdatasync of acks=-1 produces waits behind (tens of ms at p99.9 in
 * bench/storage/cleaner-produce.mjs); small regular flushes keep each one short. Durability is
 * unchanged: the swap still follows the final fdatasync.
 */
export const CLEANER_SYNC_INTERVAL_BYTES = 4 * 1024 * 1024;

/** Thrown when the dedupe buffer cannot hold the keys of even one batch: raise `log.cleaner.dedupe.buffer.size`. */
export class DedupeBufferTooSmallError extends Error {
  override readonly name = 'DedupeBufferTooSmallError';
}

/** The offsets step 1 may map: [firstDirtyOffset, firstUncleanableOffset). */
export interface MapRange {
  readonly firstDirtyOffset: number;
  readonly firstUncleanableOffset: number;
}

/** What step 1 did. */
export interface MapOutcome {
  /** The map covers [firstDirtyOffset, endOffset), endOffset at a batch boundary. */
  readonly endOffset: number;
  /** Distinct keys in the map. */
  readonly mapKeys: number;
  readonly bytesRead: number;
  readonly aborted: boolean;
}

/** What step 2 needs for one group of segments, besides the map. */
export interface GroupJob {
  /** The partition's directory, where `<baseOffset>.*.cleaned` are written. */
  readonly dir: string;
  readonly config: SegmentIndexConfig;
  /** Consecutive inactive segments, cleaned into one segment at the first one's baseOffset. */
  readonly group: readonly LogSegment[];
  readonly endOffset: number;
  readonly nowMs: number;
  readonly deleteRetentionMs: number;
  /** Last offsets of each producer's last batch (their batches stay, maybe empty: producer state). */
  readonly producerLastOffsets: ReadonlySet<number>;
}

/** What step 2 did for one group. */
export interface GroupOutcome {
  /** Size of the cleaned .log, written, fsynced and closed with its indexes; null when aborted (its files are gone). */
  readonly sizeInBytes: number | null;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly recordsRemoved: number;
  /** Earliest delete horizon of a tombstone kept in the group (ms), -1 when none. */
  readonly minDeleteHorizonMs: number;
}

/**
 * Step 1 of a cleaning (Kafka `Cleaner.buildOffsetMap`): clears `map`, then puts the latest
 * offset of every key of `inactive` (the log's inactive segments, referenced by the caller) from
 * `range.firstDirtyOffset` up to `range.firstUncleanableOffset` or as far as the map holds.
 * `isAborted` is polled between batches.
 *
 * @throws DedupeBufferTooSmallError when one batch has more keys than the map holds.
 * @throws CorruptSegmentError / KafkaStorageError (→ 56) on damaged data or I/O failure.
 */
export async function buildOffsetMap(map: OffsetMap, inactive: readonly LogSegment[], range: MapRange, throttler: Throttler, isAborted: () => boolean): Promise<MapOutcome> {
  await map.clearYielding(() => throttler.maybeYield());
  const { firstDirtyOffset, firstUncleanableOffset } = range;
  let endOffset = firstDirtyOffset;
  let bytesRead = 0;
  let aborted = false;
  let full = false;
  for (let i = 0; i < inactive.length && !full; i++) {
    const segment = inactive[i]!;
    const nextBase = inactive[i + 1]?.baseOffset ?? Number.POSITIVE_INFINITY;
    if (nextBase <= firstDirtyOffset) continue;
    if (segment.baseOffset >= firstUncleanableOffset) break;
    let stop = false;
    await forEachSegmentBatch(segment, throttler, async (buf, at, size) => {
      bytesRead += size;
      const lastOffset = batchLastOffset(buf, at);
      if (lastOffset < firstDirtyOffset) return true;
      const baseOffset = batchBaseOffset(buf, at);
      if (baseOffset >= firstUncleanableOffset || isAborted()) {
        aborted ||= isAborted();
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
  return { endOffset, mapKeys: map.size, bytesRead, aborted };
}

/**
 * Step 2 for one group (Kafka `Cleaner.cleanSegments` up to the swap): writes the batches of
 * `job.group` that `map` does not supersede (`filterBatch`) to `<base>.log.cleaned` and its
 * indexes (fdatasync every {@link CLEANER_SYNC_INTERVAL_BYTES}), fsyncs and closes them. The swap is the caller's. On abort or failure the cleaned
 * files are removed; the log's own files are only read.
 *
 * @throws CorruptSegmentError / KafkaStorageError (→ 56) on damaged data or I/O failure.
 */
export async function writeCleanedGroup(map: OffsetMap, job: GroupJob, throttler: Throttler, isAborted: () => boolean): Promise<GroupOutcome> {
  const { group, producerLastOffsets } = job;
  const context: BatchFilterContext = { map, endOffset: job.endOffset, nowMs: job.nowMs, deleteRetentionMs: job.deleteRetentionMs };
  const baseOffset = group[0]!.baseOffset;
  const stats = { bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, minDeleteHorizonMs: -1 };
  const cleaned = await LogSegment.create(job.dir, baseOffset, job.config, job.nowMs, CLEANED_FILE_SUFFIX);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let unsyncedBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    await cleaned.write(pending, pendingBytes);
    stats.bytesWritten += pendingBytes;
    await throttler.onBytes(pendingBytes);
    unsyncedBytes += pendingBytes;
    if (unsyncedBytes >= CLEANER_SYNC_INTERVAL_BYTES) {
      unsyncedBytes = 0;
      await cleaned.syncLog();
    }
    pending = [];
    pendingBytes = 0;
  };
  const noteHorizon = (horizonMs: number): void => {
    stats.minDeleteHorizonMs = earlierHorizon(stats.minDeleteHorizonMs, horizonMs);
  };
  let aborted = false;
  let written = false;
  try {
    for (let i = 0; i < group.length && !aborted; i++) {
      const segment = group[i]!;
      const lastSegment = i === group.length - 1;
      await forEachSegmentBatch(segment, throttler, async (buf, at, size, position) => {
        if (isAborted()) {
          aborted = true;
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
    }
    if (aborted) return { sizeInBytes: null, ...stats };
    await flush();
    await cleaned.onBecomeInactive();
    await Promise.all([cleaned.syncLog(), cleaned.flushAndSyncIndexes()]);
    const sizeInBytes = cleaned.size;
    await cleaned.close();
    written = true;
    return { sizeInBytes, ...stats };
  } finally {
    if (!written) {
      await cleaned.close().catch(() => undefined);
      await removeCleanedSegment(job.dir, baseOffset);
    }
  }
}
