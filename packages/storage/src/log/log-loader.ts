import {
  batchBaseOffset,
  batchLastOffsetDelta,
  batchMaxTimestamp,
  LENGTH_OFFSET,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  validateRecordBatchAt,
} from '@sluice/protocol';
import type { Logger } from 'pino';
import { listDir, makeDir, readFullyAt, removeFile, statFile } from '../io/disk.js';
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
import { floorSegmentIndex } from './log-reader.js';

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
 * 1. removes leftovers: `*.deleted` files (retention in progress), `*.tmp`, and `.index` /
 *    `.timeindex` files whose `.log` is gone;
 * 2. lists the segments by their `.log` files (one stat each; no index is read);
 * 3. after a clean shutdown, only the active segment's tail after its last offset-index entry is
 *    walked (to find the log end offset); after a crash, every segment from the one holding the
 *    recovery point onwards is re-validated batch by batch ({@link recoverSegment}), cut at the
 *    first torn or corrupt batch, and the segments after a cut are deleted;
 * 4. an empty directory gets an empty segment at the log start offset.
 *
 * Throws KafkaStorageError (→ KAFKA_STORAGE_ERROR 56) when a file cannot be read or written.
 */
export async function loadLog(options: LoadLogOptions): Promise<LoadedLog> {
  const { dir, config, logger } = options;
  await makeDir(dir);
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
    segments = [await LogSegment.create(dir, Math.max(options.logStartOffset, 0), config)];
  }

  let nextOffset: number;
  if (options.cleanShutdown) {
    nextOffset = (await recoverActiveTail(segments.at(-1)!, logger)).nextOffset;
  } else {
    // From the segment holding the offset below the recovery point: one that rolled right at it
    // may have had only its .log synced (a round taken while it was still active, or just before
    // it rolled), not the final entries its indexes got at the roll.
    const from = Math.max(floorSegmentIndex(segments, options.recoveryPoint - 1), 0);
    nextOffset = segments[from]!.baseOffset;
    for (let i = from; i < segments.length; i++) {
      const segment = segments[i]!;
      const result = await recoverSegment(segment, 0, segment.baseOffset, logger);
      nextOffset = result.nextOffset;
      if (result.truncated && i < segments.length - 1) {
        const dropped = segments.splice(i + 1);
        logger.warn({ segments: dropped.map((s) => s.baseOffset) }, 'deleting segments after a truncated one');
        await Promise.all(dropped.map((s) => deleteSegmentFiles(s)));
      }
      // The recovery point reported below covers the inactive segments: their rebuilt indexes
      // must be durable before a checkpoint says so (the active one is re-validated after a cut).
      if (i < segments.length - 1) {
        await segment.onBecomeInactive();
        await segment.flushAndSyncIndexes();
      } else {
        await segment.flushIndexes();
      }
    }
  }
  const active = segments.at(-1)!;
  nextOffset = Math.max(nextOffset, active.baseOffset);
  const logStartOffset = Math.min(Math.max(options.logStartOffset, segments[0]!.baseOffset), nextOffset);
  return { segments, logEndOffset: nextOffset, logStartOffset, recoveryPoint: nextOffset };
}

async function deleteSegmentFiles(segment: LogSegment): Promise<void> {
  await segment.close();
  await Promise.all([
    removeFile(segment.filePath),
    removeFile(segment.offsetIndex.filePath),
    removeFile(segment.timeIndex.filePath),
  ]);
}

/**
 * Clean start: trusts the active segment's indexes (rebuilt if they fail the sanity check) and
 * walks only the batches after its last offset-index entry, at most about
 * `index.interval.bytes` plus one batch, validating them like recovery does.
 */
async function recoverActiveTail(segment: LogSegment, logger: Logger): Promise<SegmentRecovery> {
  if (segment.size === 0) {
    segment.beginRecovery();
    await segment.flushIndexes();
    return { nextOffset: segment.baseOffset, truncated: false };
  }
  await segment.ensureIndexesLoaded();
  const last = segment.offsetIndex.lastEntry();
  if (last === null) return recoverSegment(segment, 0, segment.baseOffset, logger);
  const header = await segment.read(last.position, RECORD_BATCH_OVERHEAD);
  // A torn header where the index points means the tail is not what a clean shutdown leaves:
  // fall back to a full walk rather than guess the offset there.
  let firstOffset = -1;
  try {
    if (header.length === RECORD_BATCH_OVERHEAD) firstOffset = batchBaseOffset(header);
  } catch {
    // An out-of-range baseOffset: garbage where the index points.
  }
  if (firstOffset < segment.baseOffset) return recoverSegment(segment, 0, segment.baseOffset, logger);
  return recoverSegment(segment, last.position, firstOffset, logger);
}

/**
 * Re-validates a segment from byte `startPosition` (Kafka `LogSegment.recover`): walks batches
 * with `validateRecordBatchAt` (length, magic, CRC-32C) and checks offsets only grow, rebuilding
 * the sparse indexes as it goes; at the first torn, corrupt or zero-filled batch the .log is
 * truncated there (logged) and the segment's append position set to it. Index entries beyond
 * the valid end are dropped with the rebuild.
 */
export async function recoverSegment(segment: LogSegment, startPosition: number, firstOffset: number, logger: Logger): Promise<SegmentRecovery> {
  if (startPosition === 0) segment.beginRecovery();
  else segment.prepareReplayFrom(startPosition, firstOffset);
  const fd = await segment.fd();
  const fileSize = (await statFile(segment.filePath))?.size ?? segment.size;
  let buf = Buffer.allocUnsafe(Math.min(RECOVERY_CHUNK_BYTES, Math.max(fileSize - startPosition, 0)));
  let bufStart = 0;
  let bufLength = 0;
  /** Makes [position, position + length) available in `buf`; returns its index there or -1. */
  const ensure = async (position: number, length: number): Promise<number> => {
    if (position >= bufStart && position + length <= bufStart + bufLength) return position - bufStart;
    if (position + length > fileSize) return -1;
    if (buf.length < length) buf = Buffer.allocUnsafe(length);
    bufStart = position;
    bufLength = await readFullyAt(fd, segment.filePath, buf, 0, Math.min(buf.length, fileSize - position), position);
    return bufLength >= length ? 0 : -1;
  };

  let position = startPosition;
  let nextOffset = firstOffset;
  let reason = '';
  while (position < fileSize) {
    let at = await ensure(position, LOG_OVERHEAD);
    if (at < 0) {
      reason = 'truncated batch header';
      break;
    }
    const sizeInBytes = buf.readInt32BE(at + LENGTH_OFFSET) + LOG_OVERHEAD;
    if (sizeInBytes < RECORD_BATCH_OVERHEAD) {
      reason = `invalid batch length ${sizeInBytes}`;
      break;
    }
    at = await ensure(position, sizeInBytes);
    if (at < 0) {
      reason = `torn batch: ${sizeInBytes} bytes claimed, ${fileSize - position} on disk`;
      break;
    }
    const validation = validateRecordBatchAt(buf, at, at + sizeInBytes);
    if (!validation.ok) {
      reason = `${validation.failure} batch` + (validation.failure === 'bad-crc' ? ` (stored ${validation.storedCrc}, computed ${validation.computedCrc})` : '');
      break;
    }
    let baseOffset: number;
    try {
      baseOffset = batchBaseOffset(buf, at);
    } catch {
      reason = 'baseOffset out of range';
      break;
    }
    const lastOffset = baseOffset + batchLastOffsetDelta(buf, at);
    if (baseOffset < nextOffset || lastOffset < baseOffset || lastOffset - segment.baseOffset > 0x7fff_ffff) {
      reason = `offsets [${baseOffset}, ${lastOffset}] do not follow ${nextOffset - 1}`;
      break;
    }
    let maxTimestamp: number;
    try {
      maxTimestamp = batchMaxTimestamp(buf, at);
    } catch {
      reason = 'maxTimestamp out of range';
      break;
    }
    segment.planBatch(lastOffset, maxTimestamp, sizeInBytes);
    nextOffset = lastOffset + 1;
    position += sizeInBytes;
  }
  const truncated = position < fileSize;
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
