import { batchBaseOffset, batchPartitionLeaderEpoch } from '@sluice/protocol';
import type { Logger } from 'pino';
import { CorruptSegmentError } from '../errors.js';
import type { LogSegment } from '../segment/log-segment.js';
import { scanBatchHeaders } from '../segment/batch-scanner.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { readLeaderEpochCheckpoint, type EpochEntry } from './leader-epoch-checkpoint.js';

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
  readonly logger: Logger;
}

/**
 * Opens a partition's leader epoch cache after its log is recovered (Kafka
 * `UnifiedLog.initializeLeaderEpochCache` plus the epoch part of `LogLoader`): reads
 * `leader-epoch-checkpoint`, drops the entries at or above the log end (their batches were lost
 * or truncated away) and below the log start, then assigns the epochs recovery found in the
 * batches it walked (see `LeaderEpochCache` for why that is all the file may lack). When the file
 * is missing or does not parse, every batch header of the log is scanned once instead and, for a
 * log that is not empty, the cache is left dirty, so the next sync writes the file.
 *
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function loadLeaderEpochCache(options: LoadLeaderEpochOptions): Promise<LeaderEpochCache> {
  const { dir, logStartOffset, logEndOffset, logger } = options;
  const stored = await readLeaderEpochCheckpoint(dir);
  let cache: LeaderEpochCache;
  if (stored === null) {
    const scanned = await scanLogEpochs(options.segments, logStartOffset, logEndOffset, logger);
    // Written at the next sync when the log holds anything, so the scan happens once.
    cache = new LeaderEpochCache(dir, [], logEndOffset > logStartOffset, false);
    for (const entry of scanned) cache.assign(entry.epoch, entry.startOffset);
    if (scanned.length > 0) logger.info({ epochs: scanned.length }, 'rebuilt the leader epoch cache from the log: leader-epoch-checkpoint was missing or invalid');
  } else {
    cache = new LeaderEpochCache(dir, stored);
  }
  cache.truncateFromEnd(logEndOffset);
  for (const entry of options.recoveredEpochs) {
    if (entry.startOffset < logEndOffset) cache.assign(entry.epoch, entry.startOffset);
  }
  cache.truncateFromStart(logStartOffset);
  return cache;
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
