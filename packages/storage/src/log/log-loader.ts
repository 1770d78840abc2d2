import {
  batchBaseOffset,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  batchPartitionLeaderEpoch,
  isPlausibleBatchStart,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  validateRecordBatchAt,
} from '@sluice/protocol';
import type { Logger } from 'pino';
import { fsyncDir, listDir, makeDir, removeFile, statFile } from '../io/disk.js';
import type { LogConfig } from '../log-config.js';
import { LogSegment } from '../segment/log-segment.js';
import {
  DELETED_FILE_SUFFIX,
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  parseSegmentFileName,
  segmentFilePath,
  TIME_INDEX_FILE_SUFFIX,
} from '../segment/segment-files.js';
import { recoverSwaps } from '../cleaner/segment-swap.js';
import { floorSegmentIndex } from './log-reader.js';
import { copyDamagedRange, rewriteWithout, type DamagedRange } from './segment-salvage.js';
import type { EpochEntry } from './leader-epoch-checkpoint.js';

/** Bytes read per syscall while re-validating a log tail. */
const RECOVERY_CHUNK_BYTES = 1024 * 1024;

/** What {@link loadLog} needs to know about the partition's last shutdown. */
export interface LoadLogOptions {
  /** The partition directory `<data-dir>/<topic>-<partition>`. */
  readonly dir: string;
  readonly config: LogConfig;
  /** Offset below which everything was synced (from `recovery-point-offset-checkpoint`; 0 if unknown). */
  readonly recoveryPoint: number;
  /** From `log-start-offset-checkpoint` (0 if unknown). */
  readonly logStartOffset: number;
  /** Whether the broker shut down cleanly (the clean-shutdown marker was present). */
  readonly cleanShutdown: boolean;
  /** The log's clock now (ms): the creation time of a first segment made for an empty directory. */
  readonly nowMs: number;
  readonly logger: Logger;
}

/** A partition log's state on disk after loading (and, if needed, recovery). */
export interface LoadedLog {
  /** Segments in baseOffset order; the last is the active one. Never empty. */
  readonly segments: LogSegment[];
  readonly logEndOffset: number;
  readonly logStartOffset: number;
  /** Offset below which the log is known to be on disk and valid. */
  readonly recoveryPoint: number;
  /**
   * Where each leader epoch starts among the batches this load walked (their partitionLeaderEpoch,
   * -1 ones left out), in offset order: what the leader epoch checkpoint may lack (see
   * `LeaderEpochCache`).
   */
  readonly recoveredEpochs: EpochEntry[];
  /** baseOffset of the first batch this load walked (`logEndOffset` when none): where `recoveredEpochs` begins. */
  readonly recoveredFrom: number;
}

/** Outcome of walking one segment's batches. */
interface SegmentRecovery {
  /** The offset after the last valid batch (baseOffset for an empty segment). */
  readonly nextOffset: number;
  /** Whether an invalid tail was cut off. */
  readonly truncated: boolean;
}

/**
 * Opens a partition directory (Kafka `LogLoader`):
 * 0. settles an interrupted log cleaning: deletes `*.cleaned` files, completes a `*.swap`
 *    (cleaner/segment-swap.ts);
 * 1. removes leftovers: `*.deleted` files (retention in progress), `*.tmp`, and `.index` /
 *    `.timeindex` files whose `.log` is gone;
 * 2. lists the segments by their `.log` files (one stat each; no index is read);
 * 3. after a clean shutdown, only the active segment's tail after its last offset-index entry is
 *    walked (to find the log end offset); after a crash, every segment from the one holding the
 *    recovery point onwards is re-validated batch by batch ({@link recoverSegment}): a torn tail
 *    of the active segment is cut; damaged bytes anywhere else are moved aside to
 *    `<baseOffset>.log.corrupt-<position>` and every intact batch, and every later segment, is kept;
 * 4. an empty directory gets an empty segment at the log start offset.
 * The partitionLeaderEpoch of every batch walked in 3 is reported (`recoveredEpochs`) for the
 * leader epoch cache (leader-epoch-loader.ts).
 *
 * Throws KafkaStorageError (→ KAFKA_STORAGE_ERROR 56) when a file cannot be read or written.
 */
export async function loadLog(options: LoadLogOptions): Promise<LoadedLog> {
  const { dir, config, logger } = options;
  await makeDir(dir);
  // An interrupted log cleaning is settled first: its segments are then plain segments.
  await recoverSwaps(dir, logger);
  const names = await listDir(dir);
  const logBases = new Set<number>();
  for (const name of names) {
    const base = parseSegmentFileName(name, LOG_FILE_SUFFIX);
    if (base !== null) logBases.add(base);
  }
  await Promise.all(
    names.map((name) => {
      const strayIndex = [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX].some((suffix) => {
        const base = parseSegmentFileName(name, suffix);
        return base !== null && !logBases.has(base);
      });
      if (strayIndex) logger.warn({ file: name }, 'removing index file without a log segment');
      return strayIndex || name.endsWith(DELETED_FILE_SUFFIX) || name.endsWith('.tmp') ? removeFile(`${dir}/${name}`) : undefined;
    }),
  );

  const bases = [...logBases].sort((a, b) => a - b);
  const stats = await Promise.all(bases.map((base) => statFile(segmentFilePath(dir, base, LOG_FILE_SUFFIX))));
  let segments = bases.map((base, i) => LogSegment.existing(dir, base, stats[i]?.size ?? 0, stats[i]?.mtimeMs ?? 0, config));
  if (segments.length === 0) {
    segments = [await LogSegment.create(dir, Math.max(options.logStartOffset, 0), config, options.nowMs)];
  }

  const recoveredEpochs: EpochEntry[] = [];
  let recoveredFrom = -1;
  let lastWalked = -1;
  const onBatch = (leaderEpoch: number, baseOffset: number): void => {
    // A segment walked again after salvage repeats its batches: each counts once.
    if (baseOffset <= lastWalked) return;
    if (recoveredFrom < 0) recoveredFrom = baseOffset;
    lastWalked = baseOffset;
    if (leaderEpoch >= 0 && recoveredEpochs.at(-1)?.epoch !== leaderEpoch) recoveredEpochs.push({ epoch: leaderEpoch, startOffset: baseOffset });
  };
  let nextOffset: number;
  if (options.cleanShutdown) {
    nextOffset = (await recoverActiveTail(segments.at(-1)!, logger, onBatch)).nextOffset;
  } else {
    // From the segment holding the offset below the recovery point: one that rolled right at it
    // may have had only its .log synced (a round taken while it was still active, or just before
    // it rolled), not the final entries its indexes got at the roll.
    const from = Math.max(floorSegmentIndex(segments, options.recoveryPoint - 1), 0);
    nextOffset = segments[from]!.baseOffset;
    for (let i = from; i < segments.length; i++) {
      const segment = segments[i]!;
      const active = i === segments.length - 1;
      const offsetLimit = active ? Number.POSITIVE_INFINITY : segments[i + 1]!.baseOffset;
      // Damage in one segment never costs the segments after it: each is walked on its own.
      const result = await recoverSegment(segment, 0, segment.baseOffset, logger, { active, offsetLimit, onBatch });
      nextOffset = result.nextOffset;
      // The recovery point reported below covers the inactive segments: their rebuilt indexes
      // must be durable before a checkpoint says so (the active one is re-validated after a cut).
      // On a full disk they are left durably empty instead, which readers treat as no index.
      if (i < segments.length - 1) {
        await segment.onBecomeInactive();
        await segment.flushAndSyncIndexes(true);
      } else {
        await segment.flushIndexes();
      }
    }
  }
  const active = segments.at(-1)!;
  nextOffset = Math.max(nextOffset, active.baseOffset);
  const logStartOffset = Math.min(Math.max(options.logStartOffset, segments[0]!.baseOffset), nextOffset);
  return { segments, logEndOffset: nextOffset, logStartOffset, recoveryPoint: nextOffset, recoveredEpochs, recoveredFrom: recoveredFrom < 0 ? nextOffset : recoveredFrom };
}

/**
 * Clean start: trusts the active segment's indexes (rebuilt if they fail the sanity check) and
 * walks only the batches after its last offset-index entry, at most about
 * `index.interval.bytes` plus one batch, validating them like recovery does.
 */
async function recoverActiveTail(segment: LogSegment, logger: Logger, onBatch: (leaderEpoch: number, baseOffset: number) => void): Promise<SegmentRecovery> {
  if (segment.size === 0) {
    segment.beginRecovery();
    await segment.flushIndexes();
    return { nextOffset: segment.baseOffset, truncated: false };
  }
  await segment.ensureIndexesLoaded();
  const last = segment.offsetIndex.lastEntry();
  const options = { active: true, offsetLimit: Number.POSITIVE_INFINITY, onBatch };
  if (last === null) return recoverSegment(segment, 0, segment.baseOffset, logger, options);
  const header = await segment.read(last.position, RECORD_BATCH_OVERHEAD);
  // A torn header where the index points means the tail is not what a clean shutdown leaves:
  // fall back to a full walk rather than guess the offset there.
  let firstOffset = -1;
  try {
    if (header.length === RECORD_BATCH_OVERHEAD) firstOffset = batchBaseOffset(header);
  } catch {
    // An out-of-range baseOffset: garbage where the index points.
  }
  if (firstOffset < segment.baseOffset) return recoverSegment(segment, 0, segment.baseOffset, logger, options);
  return recoverSegment(segment, last.position, firstOffset, logger, options);
}

/** How {@link recoverSegment} treats what it finds. */
export interface RecoverSegmentOptions {
  /**
   * Whether this is the active (last) segment, whose invalid tail after a crash is a torn write
   * of unsynced data and is cut without a copy. An inactive segment was fsynced when it rolled:
   * damage there is moved aside like damage in the middle of any segment.
   */
  readonly active: boolean;
  /** Offsets of this segment must be below this (the next segment's baseOffset); Infinity for the last. */
  readonly offsetLimit: number;
  /** Called with the partitionLeaderEpoch and baseOffset of each valid batch, in order. */
  readonly onBatch?: (leaderEpoch: number, baseOffset: number) => void;
}

/** Why the batch at a position fails, and its offsets when it does not. */
type BatchCheck =
  | { readonly ok: true; readonly sizeInBytes: number; readonly baseOffset: number; readonly lastOffset: number; readonly maxTimestamp: number; readonly leaderEpoch: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Re-validates a segment from byte `startPosition` (Kafka `LogSegment.recover`): walks batches
 * with `validateRecordBatchAt` (length, magic, CRC-32C) and checks offsets only grow and stay
 * below `offsetLimit`, rebuilding the sparse indexes as it goes.
 *
 * At a batch that fails, it looks for the next valid batch after it (`isPlausibleBatchStart`,
 * then the CRC; segment-salvage.ts):
 * - found: the bytes in between are damage in the middle of the segment; the walk goes on there;
 * - not found: the rest is the segment's tail: in the active segment a torn write, cut (logged);
 *   in an inactive one, damage.
 * Damage is copied to `<baseOffset>.log.corrupt-<position>` and the .log rewritten without it
 * (`rewriteWithout`), then walked again; each range is logged at error level with its positions
 * and the offsets around it. No intact batch is dropped and no damaged byte stays in the .log.
 */
export async function recoverSegment(
  segment: LogSegment,
  startPosition: number,
  firstOffset: number,
  logger: Logger,
  options: RecoverSegmentOptions = { active: true, offsetLimit: Number.POSITIVE_INFINITY },
  salvage = true,
): Promise<SegmentRecovery> {
  if (startPosition === 0) segment.beginRecovery();
  else segment.prepareReplayFrom(startPosition, firstOffset);
  const fileSize = (await statFile(segment.filePath))?.size ?? segment.size;
  const offsetLimit = Math.min(options.offsetLimit, segment.baseOffset + 0x8000_0000);
  let buf = Buffer.allocUnsafe(Math.min(RECOVERY_CHUNK_BYTES, Math.max(fileSize - startPosition, 0)));
  let bufStart = 0;
  let bufLength = 0;
  /** Makes [position, position + length) available in `buf`; returns its index there or -1. */
  const ensure = async (position: number, length: number): Promise<number> => {
    if (position >= bufStart && position + length <= bufStart + bufLength) return position - bufStart;
    if (position + length > fileSize) return -1;
    if (buf.length < length) buf = Buffer.allocUnsafe(length);
    bufStart = position;
    bufLength = await segment.readInto(buf, 0, Math.min(buf.length, fileSize - position), position);
    return bufLength >= length ? 0 : -1;
  };
  const checkBatch = async (position: number, minOffset: number): Promise<BatchCheck> => {
    let at = await ensure(position, LOG_OVERHEAD);
    if (at < 0) return { ok: false, reason: 'truncated batch header' };
    const sizeInBytes = buf.readInt32BE(at + LENGTH_OFFSET) + LOG_OVERHEAD;
    if (sizeInBytes < RECORD_BATCH_OVERHEAD) return { ok: false, reason: `invalid batch length ${sizeInBytes}` };
    at = await ensure(position, sizeInBytes);
    if (at < 0) return { ok: false, reason: `torn batch: ${sizeInBytes} bytes claimed, ${fileSize - position} on disk` };
    const validation = validateRecordBatchAt(buf, at, at + sizeInBytes);
    if (!validation.ok) {
      return { ok: false, reason: `${validation.failure} batch` + (validation.failure === 'bad-crc' ? ` (stored ${validation.storedCrc}, computed ${validation.computedCrc})` : '') };
    }
    let baseOffset: number;
    let maxTimestamp: number;
    try {
      baseOffset = batchBaseOffset(buf, at);
      maxTimestamp = batchMaxTimestamp(buf, at);
    } catch {
      return { ok: false, reason: 'baseOffset or maxTimestamp out of range' };
    }
    const lastOffset = baseOffset + batchLastOffsetDelta(buf, at);
    if (baseOffset < minOffset || lastOffset < baseOffset || lastOffset >= offsetLimit) {
      return { ok: false, reason: `offsets [${baseOffset}, ${lastOffset}] do not follow ${minOffset - 1}` };
    }
    return { ok: true, sizeInBytes, baseOffset, lastOffset, maxTimestamp, leaderEpoch: batchPartitionLeaderEpoch(buf, at) };
  };
  /** The position of the first valid batch after `from` with offsets from `minOffset`, or -1. */
  const resync = async (from: number, minOffset: number): Promise<number> => {
    let q = from + 1;
    while (q + RECORD_BATCH_OVERHEAD <= fileSize) {
      let at = await ensure(q, RECORD_BATCH_OVERHEAD);
      if (at < 0) return -1;
      // Synchronous over the window: one candidate test per byte, the CRC only for plausible ones.
      const last = bufLength - RECORD_BATCH_OVERHEAD;
      while (at <= last && !isPlausibleBatchStart(buf, at, fileSize - q, minOffset)) {
        at++;
        q++;
      }
      if (at > last) continue;
      if ((await checkBatch(q, minOffset)).ok) return q;
      q++;
    }
    return -1;
  };

  const damaged: Array<DamagedRange & { reason: string; lastOffsetBefore: number; nextBaseOffset: number }> = [];
  let position = startPosition;
  let nextOffset = firstOffset;
  let reason = '';
  while (position < fileSize) {
    const batch = await checkBatch(position, nextOffset);
    if (!batch.ok) {
      reason = batch.reason;
      const next = salvage ? await resync(position, nextOffset) : -1;
      if (next < 0) break;
      await ensure(next, RECORD_BATCH_OVERHEAD);
      damaged.push({ position, endPosition: next, reason, lastOffsetBefore: nextOffset - 1, nextBaseOffset: batchBaseOffset(buf, next - bufStart) });
      position = next;
      continue;
    }
    segment.planBatch(batch.lastOffset, batch.maxTimestamp, batch.sizeInBytes);
    options.onBatch?.(batch.leaderEpoch, batch.baseOffset);
    nextOffset = batch.lastOffset + 1;
    position += batch.sizeInBytes;
  }
  const truncated = position < fileSize;
  if (truncated && (!options.active || damaged.length > 0) && salvage) {
    // The tail of a fsynced segment, or after damage in the middle: not a torn write; keep a copy.
    damaged.push({ position, endPosition: fileSize, reason, lastOffsetBefore: nextOffset - 1, nextBaseOffset: -1 });
  }
  if (damaged.length > 0) {
    for (const range of damaged) {
      const copy = await copyDamagedRange(segment, range);
      logger.error(
        {
          segment: segment.filePath,
          position: range.position,
          endPosition: range.endPosition,
          damagedBytes: range.endPosition - range.position,
          lastOffsetBefore: range.lastOffsetBefore,
          nextBaseOffset: range.nextBaseOffset,
          reason: range.reason,
          movedTo: copy,
        },
        'damaged log segment bytes moved aside; the batches after them are kept',
      );
    }
    await fsyncDir(segment.dir);
    await rewriteWithout(segment, damaged, position);
    return recoverSegment(segment, 0, segment.baseOffset, logger, options, false);
  }
  if (truncated) {
    logger.warn(
      { segment: segment.filePath, position, discardedBytes: fileSize - position, reason },
      'truncating log segment at the first invalid batch',
    );
    await segment.truncateTo(position);
    await segment.syncLog();
  } else {
    segment.size = fileSize;
  }
  return { nextOffset, truncated };
}
