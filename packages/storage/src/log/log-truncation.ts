import type { Logger } from 'pino';
import { KafkaStorageError } from '../errors.js';
import { fsyncDir } from '../io/disk.js';
import type { LogConfig } from '../log-config.js';
import { LogSegment } from '../segment/log-segment.js';
import type { Clock } from '../clock.js';
import { listProducerSnapshots, loadProducerState } from '../producer/producer-state-loader.js';
import { ProducerStateManager } from '../producer/producer-state-manager.js';
import type { HighWatermark } from './high-watermark.js';
import type { LogFlusher } from './log-flusher.js';
import { deleteProducerSnapshot } from '../producer/producer-snapshot-file.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import { floorSegmentIndex } from './log-reader.js';

/**
 * What truncation needs of its partition log. The in-memory end state (segment list, log end,
 * logStartOffset, high watermark, recovery point) stays the log's and changes through
 * {@link setEnd} (with the high watermark and recovery point), in one synchronous step so no read sees a
 * half-truncated log.
 */
export interface LogTruncationHost {
  readonly dir: string;
  readonly logger: Logger;
  readonly epochCache: LeaderEpochCache;
  readonly config: () => LogConfig;
  readonly segments: () => readonly LogSegment[];
  /** Resolves when producer state snapshots being written are done (one could land after a deletion). */
  readonly producerSnapshotsSettled: () => Promise<void>;
  /** Logs a damaged segment once and rethrows (`DamageReports.rethrow`). */
  readonly rethrowDamage: (err: unknown) => never;
  readonly hw: Pick<HighWatermark, 'truncatedTo' | 'restartedAt'>;
  readonly flusher: () => Pick<LogFlusher, 'truncatedTo' | 'restartedAt'>;
  readonly clock: Clock;
  readonly logStartOffset: () => number;
  /** Sets the segment list, log end and logStartOffset in one step. */
  readonly setEnd: (segments: readonly LogSegment[], logEndOffset: number, logStartOffset: number) => void;
  /** `SegmentList.retire`. */
  readonly retire: (segment: LogSegment) => Promise<void>;
  /** Replaces producer state and the snapshot files it knows of. */
  readonly setProducerState: (state: ProducerStateManager, snapshotOffsets: number[]) => void;
  readonly onTruncated: (() => Promise<void>) | undefined;
  /** Fails the log for good with `err` and returns the log's failure. */
  readonly failPermanently: (err: KafkaStorageError) => KafkaStorageError;
}

/**
 * `PartitionLog.truncateTo` for an offset inside the log (see there for the order of the steps),
 * run alone in the append queue. Any failure fails the log for good: the removal may be half
 * done on disk, which only restart recovery sorts out.
 */
export async function cutLogTo(host: LogTruncationHost, offset: number): Promise<void> {
  // A snapshot still being written could land after the deletions below.
  await host.producerSnapshotsSettled();
  const segments = host.segments();
  const keep = floorSegmentIndex(segments, offset) + 1;
  const cutSegment = segments[keep - 1]!;
  const doomed = segments.slice(keep);
  const cut = await cutSegment.truncationPoint(offset).catch((err: unknown) => host.rethrowDamage(err));
  const end = cut.endOffset;
  // In memory first and in one step, so no read sees a removed batch from here on.
  cutSegment.hideFrom(cut.position);
  host.setEnd(segments.slice(0, keep), end, Math.min(host.logStartOffset(), end));
  host.hw.truncatedTo(end);
  host.flusher().truncatedTo(end);
  host.logger.info({ offset, logEndOffset: end, deletedSegments: doomed.length }, 'truncated the log');
  try {
    for (const segment of doomed.reverse()) await host.retire(segment);
    await fsyncDir(host.dir);
    await cutSegment.truncateToPosition(cut.position);
    host.epochCache.truncateFromEnd(end);
    await host.epochCache.flush();
    // Kafka `rebuildProducerState`.
    const loaded = await loadProducerState({ dir: host.dir, segments: host.segments(), logEndOffset: end, nowMs: host.clock.now(), logger: host.logger });
    host.setProducerState(loaded.state, loaded.snapshotOffsets);
    await host.onTruncated?.();
  } catch (err) {
    throw host.failPermanently(err instanceof KafkaStorageError ? err : new KafkaStorageError('truncate', host.dir, { cause: err }));
  }
}

/** `PartitionLog.truncateFullyAndStartAt`, run alone in the append queue; failures fail the log for good. */
export async function restartLogAt(host: LogTruncationHost, offset: number): Promise<void> {
  await host.producerSnapshotsSettled();
  const doomed = host.segments();
  try {
    // Renamed away first: a new segment may take the name of an old one.
    for (const segment of doomed) await host.retire(segment);
    const segment = await LogSegment.create(host.dir, offset, host.config(), host.clock.now());
    host.setEnd([segment], offset, offset);
    host.hw.restartedAt(offset);
    host.flusher().restartedAt(offset);
    host.logger.info({ logStartOffset: offset, deletedSegments: doomed.length }, 'emptied the log');
    await fsyncDir(host.dir);
    host.epochCache.clear();
    await host.epochCache.flush();
    await Promise.all((await listProducerSnapshots(host.dir)).map((o) => deleteProducerSnapshot(host.dir, o)));
    host.setProducerState(new ProducerStateManager(), []);
    await host.onTruncated?.();
  } catch (err) {
    throw host.failPermanently(err instanceof KafkaStorageError ? err : new KafkaStorageError('truncate', host.dir, { cause: err }));
  }
}
