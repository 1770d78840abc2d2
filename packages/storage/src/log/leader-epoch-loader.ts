import { batchBaseOffset, batchPartitionLeaderEpoch } from '@sluice/protocol';
import type { Logger } from 'pino';
import { CorruptSegmentError } from '../errors.js';
import type { LogSegment } from '../segment/log-segment.js';
import { scanBatchHeaders } from '../segment/batch-scanner.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { readLeaderEpochCheckpoint, writeEmptyLeaderEpochCheckpointUnsynced, type EpochEntry } from './leader-epoch-checkpoint.js';

/** What {@link loadLeaderEpochCache} needs: the recovered log. */
export interface LoadLeaderEpochOptions {
  /** The partition directory. */
  readonly dir: string;
  /** The log's segments after recovery, oldest first. */
  readonly segments: readonly LogSegment[];
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Epoch starts among the batches recovery walked (`LoadedLog.recoveredEpochs`). */
  readonly recoveredEpochs: readonly EpochEntry[];
  /** baseOffset of the first batch recovery walked (`LoadedLog.recoveredFrom`). */
  readonly recoveredFrom: number;
  readonly logger: Logger;
}

/**
 * Opens a partition's leader epoch cache after its log is recovered (Kafka
 * `UnifiedLog.initializeLeaderEpochCache` plus the epoch part of `LogLoader`): reads
 * `leader-epoch-checkpoint` and keeps its entries below the first batch recovery walked (the
 * file held them before the recovery point passed them; see `LeaderEpochCache`); from there on
 * the walked batches are the truth: each partitionLeaderEpoch other than the latest kept one
 * starts an entry (the latest kept epoch continuing into the walk is not a new start; a lower
 * one means the kept tail is stale, which `assign` removes). Entries below the log start are
 * dropped. When the file
 * is missing or does not parse, every batch header of the log is scanned once instead and the
 * cache is left dirty, so the next sync writes the file; an empty log gets an empty file at once.
 *
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function loadLeaderEpochCache(options: LoadLeaderEpochOptions): Promise<LeaderEpochCache> {
  const { dir, logStartOffset, logEndOffset, logger } = options;
  const stored = await readLeaderEpochCheckpoint(dir);
  if (stored === null && logEndOffset === logStartOffset) {
    // A new partition: an empty file now, so no later open scans; no fsync needed (see there).
    await writeEmptyLeaderEpochCheckpointUnsynced(dir);
    return new LeaderEpochCache(dir);
  }
  if (stored === null) {
    const scanned = await scanLogEpochs(options.segments, logStartOffset, logEndOffset, logger);
    // Dirty: the next sync writes the file, so the scan happens once.
    const cache = new LeaderEpochCache(dir, [], true);
    for (const entry of scanned) cache.assign(entry.epoch, entry.startOffset);
    cache.truncateFromStart(logStartOffset);
    if (scanned.length > 0) logger.info({ epochs: scanned.length }, 'rebuilt the leader epoch cache from the log: leader-epoch-checkpoint was missing or invalid');
    return cache;
  }
  const merged = new LeaderEpochCache(dir, stored);
  merged.truncateFromEnd(Math.min(logEndOffset, options.recoveredFrom));
  for (const entry of options.recoveredEpochs) {
    if (entry.epoch !== merged.latestEpoch) merged.assign(entry.epoch, entry.startOffset);
  }
  merged.truncateFromStart(logStartOffset);
  const entries = merged.entries();
  // Dirty (one write at the next sync) only when the result differs from the file.
  const same = entries.length === stored.length && entries.every((e, i) => e.epoch === stored[i]!.epoch && e.startOffset === stored[i]!.startOffset);
  return new LeaderEpochCache(dir, entries, !same);
}

/** Epoch starts of every batch in [from, to) of the log, from batch headers (no CRC check). */
async function scanLogEpochs(segments: readonly LogSegment[], from: number, to: number, logger: Logger): Promise<EpochEntry[]> {
  const out: EpochEntry[] = [];
  const visit = (buf: Buffer, at: number): boolean => {
    const baseOffset = batchBaseOffset(buf, at);
    if (baseOffset >= to) return false;
    const epoch = batchPartitionLeaderEpoch(buf, at);
    if (epoch >= 0 && out.at(-1)?.epoch !== epoch) out.push({ epoch, startOffset: baseOffset });
    return true;
  };
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    if ((next !== undefined && next.baseOffset <= from) || segment.size === 0) continue;
    try {
      const stop = await segment.useLogFile((fd) => scanBatchHeaders(fd, segment.filePath, 0, segment.size, visit));
      if (stop.damage !== null) throw new CorruptSegmentError(segment.filePath, stop.position, from, stop.damage);
    } catch (err) {
      if (!(err instanceof CorruptSegmentError)) throw err;
      // Recovery moved damage aside already; what is left unframed is refused to readers too.
      logger.error({ err, segment: segment.filePath }, 'leader epoch scan stopped at damaged segment bytes');
    }
  }
  return out;
}
