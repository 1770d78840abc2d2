import type { Logger } from 'pino';
import { CorruptSegmentError } from '../errors.js';
import { listDir } from '../io/disk.js';
import type { LogSegment } from '../segment/log-segment.js';
import { parseSegmentFileName } from '../segment/segment-files.js';
import { scanBatchHeaders } from '../segment/batch-scanner.js';
import { producerUpdateAt } from './idempotent-batch.js';
import { ProducerStateManager } from './producer-state-manager.js';
import { deleteProducerSnapshot, readProducerSnapshot, SNAPSHOT_FILE_SUFFIX } from './producer-snapshot-file.js';

/** What {@link loadProducerState} needs: the recovered log. */
export interface LoadProducerStateOptions {
  /** The partition directory. */
  readonly dir: string;
  /** The log's segments after recovery, oldest first. */
  readonly segments: readonly LogSegment[];
  readonly logEndOffset: number;
  /** Broker time now (ms): replayed batches count as appended now for expiration. */
  readonly nowMs: number;
  readonly logger: Logger;
}

/** The partition's producer state as loaded, and which snapshots are on disk. */
export interface LoadedProducerState {
  readonly state: ProducerStateManager;
  /** Offsets of the valid snapshot files kept, ascending. */
  readonly snapshotOffsets: number[];
}

/** Offsets of the `<offset>.snapshot` files in `dir`, ascending. */
export async function listProducerSnapshots(dir: string): Promise<number[]> {
  const offsets: number[] = [];
  for (const name of await listDir(dir)) {
    const offset = parseSegmentFileName(name, SNAPSHOT_FILE_SUFFIX);
    if (offset !== null) offsets.push(offset);
  }
  return offsets.sort((a, b) => a - b);
}

/**
 * Rebuilds a partition's producer state after its log is recovered (Kafka
 * `UnifiedLog.loadProducerState`): deletes snapshots above the log end offset (their batches
 * were lost with a torn tail) and invalid ones, loads the newest valid snapshot, then replays
 * the batch headers from its offset to the log end (no record is decoded). With no snapshot
 * the whole log is replayed once. Loaded and replayed producers count as active now, so a
 * restart never expires a producer early.
 *
 * @throws KafkaStorageError (→ 56) on I/O failure.
 */
export async function loadProducerState(options: LoadProducerStateOptions): Promise<LoadedProducerState> {
  const { dir, segments, logEndOffset, nowMs, logger } = options;
  const state = new ProducerStateManager();
  const offsets = await listProducerSnapshots(dir);
  const kept: number[] = [];
  let from = segments[0]?.baseOffset ?? 0;
  let loaded = false;
  for (let i = offsets.length - 1; i >= 0; i--) {
    const offset = offsets[i]!;
    if (loaded) {
      kept.unshift(offset);
      continue;
    }
    const entries = offset > logEndOffset ? null : await readProducerSnapshot(dir, offset, nowMs);
    if (entries === null) {
      logger.warn({ snapshotOffset: offset, logEndOffset }, offset > logEndOffset ? 'deleting producer snapshot above the log end' : 'deleting invalid producer snapshot');
      await deleteProducerSnapshot(dir, offset);
      continue;
    }
    state.load(entries);
    kept.unshift(offset);
    from = Math.max(from, offset);
    loaded = true;
  }
  const started = Date.now();
  const replayed = await replaySegments(state, segments, from, logEndOffset, nowMs, logger);
  if (replayed > 0 || !loaded) {
    logger.info({ fromOffset: from, logEndOffset, batches: replayed, producers: state.size, ms: Date.now() - started }, 'rebuilt producer state from the log');
  }
  return { state, snapshotOffsets: kept };
}

/** Replays the idempotent batches with offsets in [from, to) into `state`; returns how many. */
async function replaySegments(
  state: ProducerStateManager,
  segments: readonly LogSegment[],
  from: number,
  to: number,
  nowMs: number,
  logger: Logger,
): Promise<number> {
  let replayed = 0;
  const visit = (buf: Buffer, at: number): boolean => {
    const update = producerUpdateAt(buf, at);
    if (update === null || update.lastOffset < from) return true;
    state.replay(update, nowMs);
    replayed++;
    return true;
  };
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1];
    if ((next !== undefined && next.baseOffset <= from) || segment.baseOffset >= to || segment.size === 0) continue;
    try {
      const start = segment.baseOffset >= from ? null : await segment.findBatch(from, segment.size);
      if (segment.baseOffset < from && start === null) continue;
      const stop = await segment.useLogFile((fd) => scanBatchHeaders(fd, segment.filePath, start?.position ?? 0, segment.size, visit));
      if (stop.damage !== null) throw new CorruptSegmentError(segment.filePath, stop.position, from, stop.damage);
    } catch (err) {
      if (!(err instanceof CorruptSegmentError)) throw err;
      // Damaged bytes are refused to readers; the producers they held are not learnt (a retry of
      // one of their batches then gets OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID, never a duplicate offset).
      logger.error({ err, segment: segment.filePath }, 'producer state replay stopped at damaged segment bytes');
    }
  }
  return replayed;
}
