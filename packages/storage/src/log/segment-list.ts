import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { KafkaStorageError, OffsetOutOfRangeError } from '../errors.js';
import type { LogConfig } from '../log-config.js';
import { commitCleanedSegment, finishSwap, removeCleanedSegment } from '../cleaner/segment-swap.js';
import { LogSegment } from '../segment/log-segment.js';
import { logStartOffsetBreached } from './log-start-breached.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogFlusher } from './log-flusher.js';

/**
 * What {@link SegmentList} needs of its partition log: the segment list and logStartOffset stay
 * the log's (appends, rolls and truncation change them too), read and written through accessors.
 */
export interface SegmentListHost {
  readonly dir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly epochCache: LeaderEpochCache;
  readonly flusher: () => Pick<LogFlusher, 'forget' | 'markDirty' | 'markDirDirty'>;
  readonly config: () => LogConfig;
  readonly segments: () => readonly LogSegment[];
  readonly setSegments: (segments: readonly LogSegment[]) => void;
  readonly logStartOffset: () => number;
  readonly setLogStartOffset: (offset: number) => void;
  readonly highWatermark: () => number;
  readonly isReplicated: () => boolean;
  readonly isClosed: () => boolean;
}

/**
 * Changes to a partition log's segment list: rolls (from the append queue), and changes to its
 * inactive segments that do not come from appends: retention deletes, DeleteRecords and the
 * cleaner's swaps (see the `PartitionLog` methods of the same
 * names). The latter are serialized with each other (and with truncation, which runs through
 * {@link withSegmentChanges}) because each computes a new segment list from the current one
 * across awaits; segments that leave the list are retired here, so closing the log can wait for
 * them.
 */
export class SegmentList {
  private readonly pendingDeletes = new Set<LogSegment>();
  /** Serializes changes to inactive segments: retention deletions and cleaner swaps. */
  private segmentChanges: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: SegmentListHost) {}

  /** `PartitionLog.deleteOldestSegments`. */
  deleteOldestSegments(toDelete: readonly LogSegment[]): Promise<number> {
    // A replicated log keeps what is not yet committed (Kafka deletes a segment only when the
    // next one starts at or below the high watermark): logStartOffset never passes it.
    const segments = this.host.segments();
    const next = (i: number): number => segments[segments.indexOf(toDelete[i]!) + 1]?.baseOffset ?? Number.POSITIVE_INFINITY;
    let n = toDelete.length;
    if (this.host.isReplicated()) while (n > 0 && next(n - 1) > this.host.highWatermark()) n--;
    if (n === 0) return Promise.resolve(0);
    const deletable = toDelete.slice(0, n);
    return this.withSegmentChanges(() => this.deleteOldest(deletable));
  }

  /** `PartitionLog.deleteRecordsBefore`. */
  deleteRecordsBefore(offset: number): Promise<number> {
    const host = this.host;
    return this.withSegmentChanges(async () => {
      if (host.isClosed()) throw new KafkaStorageError('deleteRecords', host.dir, { cause: new Error('log is closed') });
      const highWatermark = host.highWatermark();
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > highWatermark) throw new OffsetOutOfRangeError(offset, host.logStartOffset(), highWatermark);
      if (offset > host.logStartOffset()) {
        host.logger.info({ from: host.logStartOffset(), to: offset }, 'moved logStartOffset by DeleteRecords');
        host.setLogStartOffset(offset);
        host.epochCache.truncateFromStart(offset);
      }
      const breached = logStartOffsetBreached(host.segments(), host.logStartOffset());
      if (breached.length > 0) await this.deleteOldest(breached);
      return host.logStartOffset();
    });
  }

  /** `PartitionLog.replaceSegments`. */
  replaceSegments(old: readonly LogSegment[], cleaned: { readonly baseOffset: number; readonly sizeInBytes: number }): Promise<boolean> {
    const host = this.host;
    return this.withSegmentChanges(async () => {
      const segments = host.segments();
      const at = segments.indexOf(old[0]!);
      const isRun = at >= 0 && at + old.length < segments.length && old.every((s, i) => segments[at + i] === s);
      if (host.isClosed() || !isRun || old[0]!.baseOffset !== cleaned.baseOffset) {
        await removeCleanedSegment(host.dir, cleaned.baseOffset);
        return false;
      }
      await commitCleanedSegment(host.dir, cleaned.baseOffset);
      for (const segment of old) await this.retire(segment);
      await finishSwap(host.dir, cleaned.baseOffset);
      const replacement = LogSegment.existing(host.dir, cleaned.baseOffset, cleaned.sizeInBytes, host.clock.now(), host.config());
      const current = host.segments();
      const from = current.indexOf(old[0]!);
      host.setSegments([...current.slice(0, from), replacement, ...current.slice(from + old.length)]);
      return true;
    });
  }

  /**
   * Kafka `UnifiedLog.roll`: the active segment becomes inactive and a new one starts at
   * `baseOffset`. `snapshotProducers` runs once the old one is inactive, before the new one exists.
   */
  async roll(baseOffset: number, snapshotProducers: () => void): Promise<void> {
    const host = this.host;
    const old = host.segments()[host.segments().length - 1]!;
    await old.onBecomeInactive();
    snapshotProducers();
    const segment = await LogSegment.create(host.dir, baseOffset, host.config(), host.clock.now());
    host.setSegments([...host.segments(), segment]);
    host.flusher().markDirty(old);
    host.flusher().markDirDirty();
    host.logger.debug({ baseOffset, previousSize: old.size }, 'rolled segment');
  }

  /** Runs `fn` after every segment change queued before it (whether that one failed or not). */
  withSegmentChanges<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.segmentChanges.then(fn, fn);
    this.segmentChanges = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the segment changes queued so far are done (the log is closing). */
  async settled(): Promise<void> {
    await this.segmentChanges;
  }

  /** Segments retired but maybe not unlinked yet: closing the log closes them too. */
  get retiring(): Iterable<LogSegment> {
    return this.pendingDeletes;
  }

  private async deleteOldest(toDelete: readonly LogSegment[]): Promise<number> {
    const host = this.host;
    const current = host.segments();
    const n = toDelete.length;
    if (n >= current.length || toDelete.some((s, i) => current[i] !== s)) {
      throw new RangeError('can only delete a prefix of inactive segments');
    }
    host.setSegments(current.slice(n));
    host.setLogStartOffset(Math.max(host.logStartOffset(), host.segments()[0]!.baseOffset));
    host.epochCache.truncateFromStart(host.logStartOffset());
    for (const segment of toDelete) {
      await this.retire(segment);
      host.logger.info({ baseOffset: segment.baseOffset, sizeInBytes: segment.size, logStartOffset: host.logStartOffset() }, 'deleted segment by retention');
    }
    host.flusher().markDirDirty();
    return n;
  }

  /**
   * Renames a segment that left the list (retention, DeleteRecords, a cleaner swap, truncation)
   * `.deleted` and unlinks it after `file.delete.delay.ms` once no read holds it; a failed unlink
   * is logged (the next start removes `.deleted` files), never left as an unhandled rejection.
   */
  async retire(segment: LogSegment): Promise<void> {
    this.host.flusher().forget(segment);
    this.pendingDeletes.add(segment);
    const { unlinked } = await segment.markDeleted(this.host.config().fileDeleteDelayMs);
    void unlinked
      .catch((err: unknown) => this.host.logger.warn({ err, baseOffset: segment.baseOffset }, 'could not unlink a deleted segment; the next start removes it'))
      .finally(() => this.pendingDeletes.delete(segment));
  }
}
