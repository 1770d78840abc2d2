import { batchLastOffset, batchLastOffsetDelta, batchMaxTimestamp, batchSizeInBytes, setBatchBaseOffset, setBatchPartitionLeaderEpoch } from '@sluice/protocol';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { isNoSpaceError, isRecoverable, KafkaStorageError, OffsetOutOfRangeError, ProducerStateError, UnexpectedAppendOffsetError } from '../errors.js';
import { fsyncDir } from '../io/disk.js';
import { rollConfig, type LogConfig } from '../log-config.js';
import { commitCleanedSegment, finishSwap, removeCleanedSegment } from '../cleaner/segment-swap.js';
import { LogSegment, type SegmentAppendMark } from '../segment/log-segment.js';
import { logStartOffsetBreached } from '../manager/retention.js';
import { DamageReports } from './damage-reports.js';
import { LogFlusher } from './log-flusher.js';
import { loadLog } from './log-loader.js';
import { findOffsetByTimestamp, floorSegmentIndex, readBatches, type LogSnapshot } from './log-reader.js';
import { applyLogAppendTime, validateAppend, validateCompressedRecords } from './log-validator.js';
import { appendInfoOf, isQueuedTask, type AppendInfo, type PendingAppend, type QueuedTask, type SeqWaiter } from './pending-append.js';
import { validateFollowerAppend } from './follower-append.js';
import type { EpochEndOffset, EpochEntry, LeaderEpochCache } from './leader-epoch-cache.js';
import { loadLeaderEpochCache } from './leader-epoch-loader.js';
import { HighWatermark } from './high-watermark.js';

export type { AppendInfo } from './pending-append.js';
import { listProducerSnapshots, loadProducerState } from '../producer/producer-state-loader.js';
import { ProducerStateManager, type ProducerAppendRound } from '../producer/producer-state-manager.js';
import { deleteProducerSnapshot } from '../producer/producer-snapshot-file.js';
import { ProducerSnapshots } from '../producer/producer-snapshots.js';
import { idempotentBatchInfo } from '../producer/idempotent-batch.js';

/** Result of {@link PartitionLog.read}. */
export interface ReadResult {
  /** Whole RecordBatch v2 byte ranges, in offset order (possibly several file reads). */
  readonly records: Buffer[];
  /** Total bytes in `records`. */
  readonly sizeInBytes: number;
  /** The high watermark when the read started (equal to the log end offset with a single replica). */
  readonly highWatermark: number;
  readonly logStartOffset: number;
}

/** Options for {@link PartitionLog.open}. */
export interface PartitionLogOptions {
  readonly topic: string;
  readonly partition: number;
  /** The partition directory `<data-dir>/<topic>-<partition>`. */
  readonly dir: string;
  readonly config: LogConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** See `LoadLogOptions`; defaults describe a crash with nothing known (full recovery). */
  readonly recoveryPoint?: number;
  readonly logStartOffset?: number;
  readonly cleanShutdown?: boolean;
  /**
   * The high watermark from `replication-offset-checkpoint`, where
   * {@link PartitionLog.useReplicatedHighWatermark} starts (clamped to the log); unset: logStartOffset.
   */
  readonly highWatermark?: number;
  /**
   * Called by `truncateTo` / `truncateFullyAndStartAt` after the cut, before they resolve (and
   * before any later append runs), to persist the lowered recovery point and log start offset
   * (LogManager writes its checkpoints, as Kafka's `LogManager.truncateTo` does): a stale recovery
   * point above the cut would let a crash skip re-validating data appended after it.
   */
  readonly onTruncated?: () => Promise<void>;
}

/** Options of {@link PartitionLog.append}. */
export interface AppendOptions {
  /** Broker time of the append (ms), for LogAppendTime and segment.ms; default the clock. */
  readonly nowMs?: number;
  /**
   * The leader epoch of this broker for the partition (cluster mode, KIP-101): stamped into every
   * batch's partitionLeaderEpoch, and recorded in the leader epoch cache when newer than its
   * latest. Unset: batches are written as sent and the cache is untouched.
   */
  readonly leaderEpoch?: number;
}

/** Options of {@link PartitionLog.read}. */
export interface ReadOptions {
  /** Return at least one whole batch even when it exceeds `maxBytes` (KIP-74); default true. */
  readonly minOneBatch?: boolean;
  /**
   * How far the read may go: `'high-watermark'` (default; consumers) returns only batches whose
   * lastOffset is below the high watermark, `'log-end'` (follower fetches) up to the log end.
   */
  readonly upTo?: 'high-watermark' | 'log-end';
}

/**
 * The log of one partition (Kafka `UnifiedLog`): an ordered list of segments, the last one active.
 *
 * Concurrency contract: appends are serialized by the partition's append queue: `append()` only
 * enqueues; one drain at a time assigns offsets, writes (all appends queued in the same
 * event-loop turn, or while the previous write ran, go out as one writev) and rolls segments.
 * `read()` and `offsetForTimestamp()` may run concurrently with appends and each other: they see
 * a snapshot bounded by the log end offset at their start. `sync()` is a group commit with at
 * most one fdatasync round in flight. With a single replica the high watermark is the log end
 * offset: a batch is visible to readers once written (not fsynced), as with Kafka acks=1; after
 * {@link useReplicatedHighWatermark} the replica manager moves it ({@link updateHighWatermark}).
 * Truncation (`truncateTo`, `truncateFullyAndStartAt`) runs in the append queue: after the
 * appends queued before it, before those queued after it.
 *
 * Failures: a write that fails for want of space (ENOSPC/EDQUOT) is undone (the torn tail cut
 * off, its offsets reused) and only its appends fail; the next append tries again, so appends
 * resume once space is freed. Any other write failure, and every failed fdatasync, fails the log
 * for good (reads go on): after a failed fdatasync Linux may have dropped the dirty pages and a
 * retry would report success for data that is not on disk; restart recovery re-validates the
 * tail from the recovery point.
 */
export class PartitionLog {
  private segments: readonly LogSegment[];
  private nextOffset: number;
  private startOffset: number;
  private queue: Array<PendingAppend | QueuedTask> = [];
  private drainScheduled = false;
  private draining = false;
  private enqueuedSeq = 0;
  private committedSeq = 0;
  private seqWaiters: SeqWaiter[] = [];
  /** Set by a failure the log cannot undo (see {@link isRecoverable}): no append or sync succeeds until a restart. */
  private failure: KafkaStorageError | null = null;
  /** Since when appends have failed for want of disk space or descriptors (ms, the clock), or null. */
  private noSpaceSinceMs: number | null = null;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly pendingDeletes = new Set<LogSegment>();
  private readonly flusher: LogFlusher;
  private producerSnapshots: ProducerSnapshots;
  private readonly hw: HighWatermark;
  private readonly damageReports: DamageReports;
  /** Serializes changes to inactive segments: retention deletions and cleaner swaps. */
  private segmentChanges: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly topic: string,
    readonly partition: number,
    /** The partition directory. */
    readonly dir: string,
    private config: LogConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    loaded: { segments: LogSegment[]; logEndOffset: number; logStartOffset: number; recoveryPoint: number },
    /** Per producer id: epoch and last batches (KIP-98); see `producerState`. */
    private producers: ProducerStateManager,
    snapshotOffsets: number[],
    /** Where each leader epoch starts (KIP-101). */
    private readonly epochCache: LeaderEpochCache,
    /** See `PartitionLogOptions.highWatermark`. */
    checkpointedHighWatermark: number | undefined,
    private readonly onTruncated: (() => Promise<void>) | undefined,
  ) {
    this.producerSnapshots = new ProducerSnapshots(dir, snapshotOffsets, logger);
    this.hw = new HighWatermark(checkpointedHighWatermark);
    this.damageReports = new DamageReports(logger);
    this.segments = loaded.segments;
    this.nextOffset = loaded.logEndOffset;
    this.startOffset = loaded.logStartOffset;
    this.flusher = new LogFlusher(
      {
        dir,
        activeSegment: () => this.active,
        logEndOffset: () => this.nextOffset,
        failPermanently: (err) => {
          this.failPermanently(err);
          return this.failure!;
        },
        flushMetadata: () => (this.epochCache.isDirty ? this.epochCache.flush() : null),
      },
      loaded.recoveryPoint,
    );
    const active = this.active;
    if (active.size > 0) active.firstAppendMs = clock.now();
  }

  /**
   * Opens (and if needed recovers, see `loadLog`) the partition directory.
   * Throws KafkaStorageError (→ 56) on I/O failure.
   */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const logger = options.logger.child({ component: 'partition-log', topic: options.topic, partition: options.partition });
    const loaded = await loadLog({
      dir: options.dir,
      config: options.config,
      recoveryPoint: options.recoveryPoint ?? 0,
      logStartOffset: options.logStartOffset ?? 0,
      cleanShutdown: options.cleanShutdown ?? false,
      logger,
    });
    const clock = options.clock ?? systemClock;
    const producers = await loadProducerState({ dir: options.dir, segments: loaded.segments, logEndOffset: loaded.logEndOffset, nowMs: clock.now(), logger });
    const epochCache = await loadLeaderEpochCache({ dir: options.dir, ...loaded, logger });
    return new PartitionLog(
      options.topic,
      options.partition,
      options.dir,
      options.config,
      clock,
      logger,
      loaded,
      producers.state,
      producers.snapshotOffsets,
      epochCache,
      options.highWatermark,
      options.onTruncated,
    );
  }

  /** First offset still in the log. */
  get logStartOffset(): number {
    return this.startOffset;
  }

  /** Offset the next appended record gets. */
  get logEndOffset(): number {
    return this.nextOffset;
  }

  /**
   * Offset below which records are readable by consumers: the log end offset (single replica),
   * or after {@link useReplicatedHighWatermark} what the replica manager last set.
   */
  get highWatermark(): number {
    return this.hw.value(this.nextOffset);
  }

  /** Whether the high watermark is moved by the replica manager rather than following appends. */
  get hasReplicatedHighWatermark(): boolean {
    return this.hw.isReplicated;
  }

  /**
   * Cluster mode: from now on the high watermark no longer follows appends; it starts at the
   * checkpointed value passed to `open` (`PartitionLogOptions.highWatermark`) clamped to
   * [logStartOffset, logEndOffset], or at logStartOffset when none was, and moves only through
   * {@link updateHighWatermark} (up) and truncation (down). Idempotent.
   */
  useReplicatedHighWatermark(): void {
    this.hw.useReplicated(this.startOffset, this.nextOffset);
  }

  /**
   * Moves the replicated high watermark up to `offset`, clamped to [logStartOffset, logEndOffset]
   * (Kafka `UnifiedLog.maybeIncrementHighWatermark`); it never moves down here (only truncation
   * lowers it). Returns whether it moved; when it did, the `onAppend` listeners run so fetches
   * waiting for data (long polls) wake. Returns false, changing nothing, with a single replica
   * (before {@link useReplicatedHighWatermark}), where it is the log end offset.
   */
  updateHighWatermark(offset: number): boolean {
    if (!this.hw.update(offset, this.startOffset, this.nextOffset)) return false;
    this.notifyListeners();
    return true;
  }

  /** The latest leader epoch in the leader epoch cache, or -1 when it is empty. */
  get latestLeaderEpoch(): number {
    return this.epochCache.latestEpoch;
  }

  /** The leader epoch cache's entries, ascending: which epoch started writing at which offset. */
  leaderEpochEntries(): readonly EpochEntry[] {
    return this.epochCache.entries();
  }

  /**
   * The OffsetsForLeaderEpoch answer for `requestedEpoch` against this log (Kafka
   * `LeaderEpochFileCache.endOffsetFor` with the log end offset): the latest epoch → (latest,
   * logEndOffset); an epoch above the latest, -1, or an empty cache → (-1, -1); an epoch below
   * the first entry → (requestedEpoch, first entry's startOffset); otherwise (the largest epoch
   * <= requested, the startOffset of the next larger epoch). See `LeaderEpochCache.endOffsetFor`.
   */
  endOffsetForLeaderEpoch(requestedEpoch: number): EpochEndOffset {
    return this.epochCache.endOffsetFor(requestedEpoch, this.nextOffset);
  }

  /** Offset below which the log is fsynced. */
  get recoveryPoint(): number {
    return this.flusher.recoveryPoint;
  }

  /** The partition's idempotent-producer state (KIP-98): read-only use (tests, DescribeProducers). */
  get producerState(): Pick<ProducerStateManager, 'size' | 'entry'> {
    return this.producers;
  }

  /**
   * Forgets producers idle for `expirationMs` (`producer.id.expiration.ms`); returns how many.
   * Their next batch that does not start a sequence gets UNKNOWN_PRODUCER_ID (59).
   */
  removeExpiredProducers(nowMs: number, expirationMs: number): number {
    return this.producers.removeExpiredProducers(nowMs, expirationMs);
  }

  /** Resolves when the producer state snapshots taken so far (at rolls) are written or failed. */
  producerSnapshotsSettled(): Promise<void> {
    return this.producerSnapshots.settled();
  }

  /** The topic's effective config. */
  get logConfig(): LogConfig {
    return this.config;
  }

  /** Replaces the config (topic config change); applies from the next append and retention run. */
  updateConfig(config: LogConfig): void {
    this.config = config;
  }

  /** The segments, oldest first (a snapshot; the last is the active segment). */
  get logSegments(): readonly LogSegment[] {
    return this.segments;
  }

  /** Total bytes of all segments. */
  get sizeInBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  /**
   * Appends one or more complete RecordBatch v2 as a client sent them: validates them first
   * (`validateAppend`, Kafka `LogValidator`: framing, magic, CRC-32C, max.message.bytes,
   * segment.bytes, no control batch, and one walk of every batch's records, compressed ones
   * decompressed while the append waits in the queue: count, offset deltas, framing, and under
   * CreateTime the recomputed maxTimestamp), then assigns offsets by patching each
   * baseOffset in place, stamps LogAppendTime when configured, and resolves once the bytes are
   * written to the segment file (not fsynced; see `sync()`). Nothing of the call is written when
   * it fails a check.
   *
   * An idempotent batch (producerId >= 0, KIP-98) must come alone and is checked against the
   * partition's producer state in append order: a retry of one of the producer's last 5 batches
   * resolves with the offsets the original got and writes nothing.
   *
   * With `opts.leaderEpoch` (cluster mode), every batch's partitionLeaderEpoch is set to it (bytes
   * 12..15, outside the CRC) and the leader epoch cache records it at the append's baseOffset when
   * it is newer than the cache's latest epoch, once the batches are written.
   *
   * @throws RecordValidationError (CorruptRecordError 2, RecordBatchTooLargeError 10,
   *   RecordListTooLargeError 18, InvalidRecordError 87), naming the offending batch.
   * @throws ProducerStateError (OUT_OF_ORDER_SEQUENCE_NUMBER 45, INVALID_PRODUCER_EPOCH 47,
   *   UNKNOWN_PRODUCER_ID 59) for an idempotent batch its producer state refuses.
   * @throws KafkaStorageError (→ KAFKA_STORAGE_ERROR 56) on I/O failure or a closed log.
   */
  append(records: Buffer, opts?: AppendOptions): Promise<AppendInfo> {
    try {
      if (this.failure) throw this.failure;
      if (this.closed) throw new KafkaStorageError('append', this.dir, { cause: new Error('log is closed') });
      const info = validateAppend(records, this.config);
      const producer = idempotentBatchInfo(records);
      // Queued at once, checked while it waits: appends keep their arrival order.
      const validation = info.compressedBatches > 0 ? validateCompressedRecords(records, this.config) : null;
      return new Promise<AppendInfo>((resolve, reject) => {
        const leaderEpoch = opts?.leaderEpoch;
        this.queue.push({ records, ...info, nowMs: opts?.nowMs ?? this.clock.now(), seq: ++this.enqueuedSeq, resolve, reject, validation, baseOffset: -1, producer, leaderEpoch });
        this.scheduleDrain();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Appends batches fetched from the leader, keeping their offsets and leader epochs (Kafka
   * `UnifiedLog.appendAsFollower`): checks framing, magic, CRC-32C and that offsets grow
   * (`validateFollowerAppend`), and, when the append's turn in the queue comes, that the first
   * baseOffset is at or above the log end offset (gaps are allowed: compaction leaves them).
   * Then writes through the same queue as `append` (rolling segments as it does; a new segment
   * starts at the append's first baseOffset), and once written: the log end offset becomes the
   * last batch's lastOffset + 1, producer state learns the idempotent batches without checking
   * them (so this replica deduplicates retries if it becomes leader), and each partitionLeaderEpoch
   * newer than the cache's latest is recorded at its batch's baseOffset. Resolves with the first
   * and last offsets; empty `records` resolves at once with (-1, -1).
   *
   * @throws CorruptRecordError (→ CORRUPT_MESSAGE 2) for bad framing, magic or CRC.
   * @throws InvalidRecordError (→ 87) for offsets that do not grow.
   * @throws UnexpectedAppendOffsetError when the first baseOffset is below the log end offset.
   * @throws KafkaStorageError (→ 56) on I/O failure or a closed log.
   */
  appendAsFollower(records: Buffer): Promise<{ firstOffset: number; lastOffset: number }> {
    try {
      if (this.failure) throw this.failure;
      if (this.closed) throw new KafkaStorageError('append', this.dir, { cause: new Error('log is closed') });
      if (records.length === 0) return Promise.resolve({ firstOffset: -1, lastOffset: -1 });
      // The offset check waits for the append's turn: a truncation queued before it lowers the log end.
      const follower = validateFollowerAppend(records);
      return new Promise<AppendInfo>((resolve, reject) => {
        this.queue.push({
          records,
          sizeInBytes: records.length,
          offsetCount: follower.lastOffset - follower.firstOffset + 1,
          recordCount: follower.recordCount,
          nowMs: this.clock.now(),
          seq: ++this.enqueuedSeq,
          resolve,
          reject,
          validation: null,
          baseOffset: -1,
          producer: null,
          follower,
        });
        this.scheduleDrain();
      }).then((info) => ({ firstOffset: info.baseOffset, lastOffset: info.lastOffset }));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.draining) return;
    this.drainScheduled = true;
    // setImmediate, not a microtask: every append of this event-loop turn joins one write.
    setImmediate(() => {
      this.drainScheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (isQueuedTask(head)) {
          this.queue.shift();
          await head.run();
          continue;
        }
        const taskAt = this.queue.findIndex(isQueuedTask);
        const round = (taskAt < 0 ? this.queue : this.queue.slice(0, taskAt)) as PendingAppend[];
        this.queue = taskAt < 0 ? [] : this.queue.slice(taskAt);
        await this.appendRound(await this.settleValidations(round));
        // Appends refused by their validation or producer state, or answered as duplicates,
        // joined no chunk: they are settled too, so sync() must not wait for them.
        if (!this.failure) this.markSettled(round[round.length - 1]!.seq);
      }
    } finally {
      this.draining = false;
    }
  }

  /** The appends of `round` whose compressed records passed validation; the others are rejected with their error. */
  private async settleValidations(round: PendingAppend[]): Promise<PendingAppend[]> {
    if (round.every((a) => a.validation === null)) return round;
    // A throw from the check is a bug; it fails that append only.
    const errors = await Promise.all(round.map((a) => a.validation?.catch((err: unknown) => err) ?? null));
    return round.filter((append, i) => {
      const error = errors[i];
      if (error) append.reject(error);
      return !error;
    });
  }

  /** Assigns offsets to a round of appends, writes them (rolling as needed) and resolves them. */
  private async appendRound(round: PendingAppend[]): Promise<void> {
    let chunk: PendingAppend[] = [];
    let chunkBytes = 0;
    /** The active segment's state before `chunk` was planned into it. */
    let mark: SegmentAppendMark | null = null;
    let offset = this.nextOffset;
    let producerRound: ProducerAppendRound | null = null;
    try {
      for (const append of round) {
        if (this.failure) throw this.failure;
        if (append.producer !== null) {
          producerRound ??= this.producers.beginRound();
          if (!this.checkProducer(append, producerRound, chunk)) continue;
        }
        const follower = append.follower;
        if (follower !== undefined && follower.firstOffset < offset) {
          append.reject(new UnexpectedAppendOffsetError(follower.firstOffset, offset));
          continue;
        }
        const config = this.config;
        const firstOffset = follower?.firstOffset ?? offset;
        const lastOffset = firstOffset + append.offsetCount - 1;
        if (this.active.shouldRoll(append.sizeInBytes, lastOffset, append.nowMs, rollConfig(config))) {
          await this.commitChunk(chunk, chunkBytes, offset);
          chunk = [];
          chunkBytes = 0;
          mark = null;
          await this.roll(firstOffset);
        }
        const segment = this.active;
        mark ??= segment.appendMark();
        segment.firstAppendMs ??= append.nowMs;
        append.baseOffset = firstOffset;
        const records = append.records;
        if (follower !== undefined) {
          // The leader's offsets and timestamps stay as they are.
          for (let position = 0; position < records.length; ) {
            const size = batchSizeInBytes(records, position);
            offset = batchLastOffset(records, position) + 1;
            segment.planBatch(offset - 1, batchMaxTimestamp(records, position), size);
            position += size;
          }
          chunk.push(append);
          chunkBytes += append.sizeInBytes;
          continue;
        }
        const logAppendTime = config.messageTimestampType === 'LogAppendTime';
        for (let position = 0; position < records.length; ) {
          const size = batchSizeInBytes(records, position);
          setBatchBaseOffset(records, offset, position);
          if (append.leaderEpoch !== undefined) setBatchPartitionLeaderEpoch(records, append.leaderEpoch, position);
          if (logAppendTime) applyLogAppendTime(records, position, size, append.nowMs);
          offset += batchLastOffsetDelta(records, position) + 1;
          segment.planBatch(offset - 1, batchMaxTimestamp(records, position), size);
          position += size;
        }
        if (append.producer !== null) {
          append.producerUpdate = { ...append.producer, firstOffset: append.baseOffset, lastOffset: offset - 1, timestampMs: batchMaxTimestamp(records, 0) };
          producerRound!.record(append.producerUpdate, append.nowMs);
        }
        chunk.push(append);
        chunkBytes += append.sizeInBytes;
      }
      await this.commitChunk(chunk, chunkBytes, offset);
      if (this.noSpaceSinceMs !== null) {
        this.logger.info({ failingMs: this.clock.now() - this.noSpaceSinceMs }, 'disk space is back; appends resumed');
        this.noSpaceSinceMs = null;
      }
    } catch (err) {
      const failure = err instanceof KafkaStorageError ? err : new KafkaStorageError('append', this.dir, { cause: err });
      // `chunk` is planned into the active segment but not written (the roll that may have failed
      // comes after its commit), so undoing it restores the log as of the last commit.
      if (this.failure === null && isRecoverable(failure) && (mark === null || (await this.undoChunk(mark)))) {
        if (this.noSpaceSinceMs === null) {
          this.noSpaceSinceMs = this.clock.now();
          const msg = isNoSpaceError(failure) ? 'no space left for appends; failing them until space is freed' : 'no file descriptor for appends; failing them until one is free';
          this.logger.warn({ err: failure }, msg);
        }
        for (const append of round) if (append.seq > this.committedSeq) append.reject(failure);
        this.rejectSeqWaiters(failure);
        return;
      }
      this.failPermanently(failure);
      for (const append of round) if (append.seq > this.committedSeq) append.reject(this.failure);
    }
  }

  /** Rolls back a chunk whose write failed; false (the log is then failed for good) when the cut fails. */
  private async undoChunk(mark: SegmentAppendMark): Promise<boolean> {
    try {
      await this.active.rollbackAppend(mark);
      return true;
    } catch (err) {
      this.logger.error({ err }, 'could not cut a failed write off the active segment');
      return false;
    }
  }

  /**
   * Fails the log for good (see the class doc): queued appends and waiting syncs are rejected
   * with `err`, later ones with the same error. Reads go on.
   */
  private failPermanently(err: KafkaStorageError): void {
    if (this.failure !== null) return;
    this.failure = err;
    this.logger.error({ err }, 'partition log failed; it accepts no more appends until the broker restarts');
    for (const append of this.queue) append.reject(err);
    this.queue = [];
    this.rejectSeqWaiters(err);
  }

  /** Rejects `sync()` callers waiting for appends to be written: a failure means theirs never will be. */
  private rejectSeqWaiters(err: KafkaStorageError): void {
    for (const waiter of this.seqWaiters.splice(0)) waiter.reject(err);
  }

  /** Every append up to `seq` is written or settled: `sync()` callers waiting on them may go on. */
  private markSettled(seq: number): void {
    this.committedSeq = Math.max(this.committedSeq, seq);
    if (this.seqWaiters.length > 0) {
      const still: SeqWaiter[] = [];
      for (const w of this.seqWaiters) (w.seq <= this.committedSeq ? w.resolve() : still.push(w));
      this.seqWaiters = still;
    }
  }

  /**
   * Checks an idempotent append against producer state: true to write it; false when it was
   * settled here (refused, or a duplicate of a written batch) or joins `chunk` as a duplicate of
   * a batch of this round still to be written (resolved with it).
   */
  private checkProducer(append: PendingAppend, producerRound: ProducerAppendRound, chunk: PendingAppend[]): boolean {
    let check;
    try {
      check = producerRound.check(append.producer!);
    } catch (err) {
      if (!(err instanceof ProducerStateError)) throw err;
      append.reject(err);
      return false;
    }
    if (check.kind === 'new') return true;
    const original = check.batch;
    append.duplicateOf = original;
    this.logger.debug({ producerId: append.producer!.producerId, firstSeq: original.firstSeq, firstOffset: original.firstOffset }, 'duplicate batch answered with its original offsets');
    if (original.lastOffset < this.nextOffset) {
      append.resolve(appendInfoOf(append, this.config, this.startOffset));
    } else {
      chunk.push(append);
    }
    return false;
  }

  /** Writes a chunk of appends to the active segment and makes them visible. */
  private async commitChunk(chunk: PendingAppend[], bytes: number, endOffset: number): Promise<void> {
    if (chunk.length === 0) return;
    const segment = this.active;
    if (bytes > 0) {
      await segment.write(
        chunk.filter((a) => a.duplicateOf === undefined).map((a) => a.records),
        bytes,
      );
      this.flusher.markDirty(segment);
    }
    this.nextOffset = endOffset;
    for (const a of chunk) {
      if (a.producerUpdate !== undefined) this.producers.apply(a.producerUpdate, a.nowMs);
      // After the write: an entry must never name offsets a failed write gave back.
      if (a.leaderEpoch !== undefined && a.duplicateOf === undefined) this.epochCache.assignIfNewer(a.leaderEpoch, a.baseOffset);
      if (a.follower !== undefined) {
        for (const update of a.follower.producerUpdates) this.producers.replay(update, a.nowMs);
        for (const e of a.follower.epochStarts) this.epochCache.assignIfNewer(e.epoch, e.startOffset);
      }
    }
    for (const a of chunk) {
      a.resolve(appendInfoOf(a, this.config, this.startOffset));
    }
    this.markSettled(chunk[chunk.length - 1]!.seq);
    this.notifyListeners();
  }

  /** Runs the `onAppend` listeners (new data, or a higher high watermark). */
  private notifyListeners(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err }, 'onAppend listener threw');
      }
    }
  }

  /** Kafka `UnifiedLog.roll`: the active segment becomes inactive and a new one starts at `baseOffset`. */
  private async roll(baseOffset: number): Promise<void> {
    const old = this.active;
    await old.onBecomeInactive();
    // Every batch below baseOffset is written and learnt: the snapshot a recovery starts from.
    this.producerSnapshots.take(baseOffset, this.producers.snapshotEntries(), (offset) => this.sync(offset));
    const segment = await LogSegment.create(this.dir, baseOffset, this.config);
    this.segments = [...this.segments, segment];
    this.flusher.markDirty(old);
    this.flusher.markDirDirty();
    this.logger.debug({ baseOffset, previousSize: old.size }, 'rolled segment');
  }

  /**
   * Resolves when everything appended before the call — or, given `throughOffset`, every offset
   * up to and including it — is durable. Waits for those appends to be written, then for a
   * group commit (fdatasync of every dirty segment's .log, plus the indexes of segments rolled
   * since the last sync and the directory after a roll) that covers them: the round in flight
   * when it started after they were written, else the next round, which every caller arriving
   * meanwhile shares.
   *
   * A Produce passes its own append's lastOffset, so it waits neither for appends queued after
   * its own nor for a second round when the running one already covers it.
   *
   * @throws KafkaStorageError (→ 56) when a write or fdatasync fails.
   */
  async sync(throughOffset?: number): Promise<void> {
    if (this.failure) throw this.failure;
    if (throughOffset !== undefined && throughOffset < this.nextOffset) {
      return this.flusher.syncWritten(throughOffset);
    }
    const seq = this.enqueuedSeq;
    if (this.committedSeq < seq) {
      await new Promise<void>((resolve, reject) => this.seqWaiters.push({ seq, resolve, reject }));
    }
    await this.flusher.syncAll();
  }

  private snapshot(): LogSnapshot {
    const endSegment = this.active;
    return { segments: this.segments, endSegment, endPosition: endSegment.size };
  }

  /**
   * Reads whole batches from `fetchOffset` (the first may start before it) up to `maxBytes`,
   * at least one whole batch when `opts.minOneBatch` (default true), only batches whose lastOffset
   * is below the high watermark unless `opts.upTo` is `'log-end'` (Kafka's fetch isolation: a
   * consumer reads up to the high watermark, a follower to the log end). A `fetchOffset` at or
   * above that bound (but not above the log end) gives no records. Binary search on segment base
   * offsets, sparse offset index, header scan.
   *
   * Never returns a batch that fails its CRC-32C check (data damaged at rest): stops before it.
   *
   * @throws OffsetOutOfRangeError (→ OFFSET_OUT_OF_RANGE 1) below logStartOffset or above logEndOffset.
   * @throws CorruptSegmentError (→ KAFKA_STORAGE_ERROR 56) when the first batch to return is
   *   damaged or the batch headers do not frame; logged once per segment and position.
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async read(fetchOffset: number, maxBytes: number, opts?: ReadOptions): Promise<ReadResult> {
    const logEndOffset = this.nextOffset;
    const highWatermark = this.highWatermark;
    const logStartOffset = this.startOffset;
    if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) {
      throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, logEndOffset);
    }
    const upTo = opts?.upTo === 'log-end' ? logEndOffset : highWatermark;
    if (fetchOffset >= upTo) return { records: [], sizeInBytes: 0, highWatermark, logStartOffset };
    try {
      const snapshot = upTo === logEndOffset ? this.snapshot() : await this.hw.snapshotBelow(this.segments, upTo);
      const { records, sizeInBytes } = await readBatches(snapshot, fetchOffset, maxBytes, opts?.minOneBatch ?? true);
      return { records, sizeInBytes, highWatermark, logStartOffset };
    } catch (err) {
      return this.damageReports.rethrow(err);
    }
  }

  /**
   * The first record at or after logStartOffset whose timestamp is >= `timestampMs` (ListOffsets
   * by timestamp, KIP-79), or null if there is none below the high watermark. Under LogAppendTime a batch's records carry
   * its maxTimestamp. Records below logStartOffset (which DeleteRecords may put inside a segment
   * or a batch) are skipped.
   *
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    const logStartOffset = this.startOffset;
    const highWatermark = this.highWatermark;
    const snapshot = this.snapshot();
    // Segments wholly below logStartOffset stay listed when a cut kept the log-start-offset
    // checkpoint but not retention's renames; they are not part of the log.
    const first = floorSegmentIndex(snapshot.segments, logStartOffset);
    const scoped = first <= 0 ? snapshot : { ...snapshot, segments: snapshot.segments.slice(first) };
    const found = await findOffsetByTimestamp(scoped, timestampMs, logStartOffset).catch((err: unknown) => this.damageReports.rethrow(err));
    // Consumers may not see offsets at or above the high watermark (Kafka caps ListOffsets there).
    return found !== null && found.offset < highWatermark ? found : null;
  }

  /**
   * Registers a callback run after each write that advanced the log end offset, and each move of
   * a replicated high watermark; returns unsubscribe.
   */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Removes the oldest segments, which must be a prefix of the log not including the active
   * segment (checked), and advances logStartOffset to the next segment's baseOffset. Files are
   * renamed `.deleted` and unlinked after `file.delete.delay.ms` (an unlink that fails is logged;
   * the loader removes `.deleted` files at the next start). Returns how many were deleted.
   */
  deleteOldestSegments(toDelete: readonly LogSegment[]): Promise<number> {
    // A replicated log keeps what is not yet committed (Kafka deletes a segment only when the
    // next one starts at or below the high watermark): logStartOffset never passes it.
    const next = (i: number): number => this.segments[this.segments.indexOf(toDelete[i]!) + 1]?.baseOffset ?? Number.POSITIVE_INFINITY;
    let n = toDelete.length;
    if (this.hw.isReplicated) while (n > 0 && next(n - 1) > this.highWatermark) n--;
    if (n === 0) return Promise.resolve(0);
    const deletable = toDelete.slice(0, n);
    return this.withSegmentChanges(() => this.deleteOldest(deletable));
  }

  /**
   * DeleteRecords (Kafka `UnifiedLog.maybeIncrementLogStartOffset`, KIP-107): moves logStartOffset
   * forward to `offset` (never back; `offset` may fall inside a segment or a batch), so reads
   * below it get OFFSET_OUT_OF_RANGE, then deletes the segments wholly below it as retention does
   * (see `logStartOffsetBreached`; never the active segment). Returns the new logStartOffset (the
   * low watermark). Persisting it is the caller's (the log-start-offset checkpoint).
   *
   * @throws OffsetOutOfRangeError (→ OFFSET_OUT_OF_RANGE 1) for an offset below 0 or above the
   *   high watermark.
   * @throws KafkaStorageError (→ 56) on I/O failure or a closed log.
   */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.withSegmentChanges(async () => {
      if (this.closed) throw new KafkaStorageError('deleteRecords', this.dir, { cause: new Error('log is closed') });
      const highWatermark = this.highWatermark;
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > highWatermark) throw new OffsetOutOfRangeError(offset, this.startOffset, highWatermark);
      if (offset > this.startOffset) {
        this.logger.info({ from: this.startOffset, to: offset }, 'moved logStartOffset by DeleteRecords');
        this.startOffset = offset;
        this.epochCache.truncateFromStart(offset);
      }
      const breached = logStartOffsetBreached(this.segments, this.startOffset);
      if (breached.length > 0) await this.deleteOldest(breached);
      return this.startOffset;
    });
  }

  /**
   * Removes the end of the log from `offset` on (Kafka `UnifiedLog.truncateTo`; a follower whose
   * log diverged from its leader's): keeps the batches whose lastOffset < `offset`; a batch that
   * straddles `offset` is removed whole, so the log end offset becomes min(`offset`, its
   * baseOffset). Segments above are deleted, the one holding the cut is cut with its indexes and
   * becomes the active segment; leader epoch entries starting at or above the new log end are
   * removed; producer state is rebuilt as of the new log end (snapshots above it deleted, the
   * newest below loaded, the batches after it replayed); the high watermark and recovery point
   * drop to the new log end when above it. An `offset` below the first segment's baseOffset
   * empties the log ({@link truncateFullyAndStartAt}, as Kafka does); one at or above the log end
   * changes nothing.
   *
   * Runs alone in the append queue. Crash safety: the later segments' removal is made durable
   * (directory fsync) before the cut segment is cut and fdatasynced, then the epoch checkpoint is
   * written, then `PartitionLogOptions.onTruncated` persists the recovery point; a crash midway
   * leaves a valid log holding some of the removed batches (the follower truncates again), never
   * a gap or a torn segment. When it resolves the truncation is durable.
   *
   * @throws RangeError for an offset that is not a non-negative safe integer.
   * @throws KafkaStorageError (→ 56) on I/O failure (the log then fails for good: restart
   *   recovery re-validates it) or a closed log.
   */
  truncateTo(offset: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0) return Promise.reject(new RangeError(`cannot truncate to offset ${offset}`));
    return this.runAlone('truncateTo', async () => {
      if (offset >= this.nextOffset) return;
      if (offset < this.segments[0]!.baseOffset) return this.restartAt(offset);
      await this.cutTo(offset);
    });
  }

  /**
   * Deletes every segment and starts an empty log at `offset`, so logStartOffset = logEndOffset =
   * high watermark = recovery point = `offset` (Kafka `UnifiedLog.truncateFullyAndStartAt`: the
   * leader's logStartOffset is above all this follower holds). Clears the leader epoch cache and
   * producer state (and its snapshots). Runs alone in the append queue; durable when it resolves.
   * A crash midway leaves either some old segments or the empty log; both recover.
   *
   * @throws RangeError for an offset that is not a non-negative safe integer.
   * @throws KafkaStorageError (→ 56) on I/O failure (the log then fails for good) or a closed log.
   */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0) return Promise.reject(new RangeError(`cannot start the log at offset ${offset}`));
    return this.runAlone('truncateFullyAndStartAt', () => this.restartAt(offset));
  }

  /**
   * Queues `fn` to run alone in the append queue (see {@link QueuedTask}), and serialized with
   * retention and cleaner swaps, which also change the segment list.
   */
  private runAlone(operation: string, fn: () => Promise<void>): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new KafkaStorageError(operation, this.dir, { cause: new Error('log is closed') }));
    return new Promise<void>((resolve, reject) => {
      const run = async (): Promise<void> => {
        try {
          if (this.failure) throw this.failure;
          await this.withSegmentChanges(fn);
          resolve();
        } catch (err) {
          reject(err);
        }
      };
      this.queue.push({ run, reject });
      this.scheduleDrain();
    });
  }

  /** {@link truncateTo} for an offset inside the log (see there for the order of the steps). */
  private async cutTo(offset: number): Promise<void> {
    // A snapshot still being written could land after the deletions below.
    await this.producerSnapshots.settled();
    const segments = this.segments;
    const keep = floorSegmentIndex(segments, offset) + 1;
    const cutSegment = segments[keep - 1]!;
    const doomed = segments.slice(keep);
    const cut = await cutSegment.truncationPoint(offset).catch((err: unknown) => this.damageReports.rethrow(err));
    const end = cut.endOffset;
    // In memory first and in one step, so no read sees a removed batch from here on.
    cutSegment.hideFrom(cut.position);
    this.segments = segments.slice(0, keep);
    this.nextOffset = end;
    this.startOffset = Math.min(this.startOffset, end);
    this.hw.truncatedTo(end);
    this.flusher.truncatedTo(end);
    this.logger.info({ offset, logEndOffset: end, deletedSegments: doomed.length }, 'truncated the log');
    try {
      for (const segment of doomed.reverse()) await this.retire(segment);
      await fsyncDir(this.dir);
      await cutSegment.truncateToPosition(cut.position);
      this.epochCache.truncateFromEnd(end);
      await this.epochCache.flush();
      await this.reloadProducerState(end);
      await this.onTruncated?.();
    } catch (err) {
      this.failPermanently(err instanceof KafkaStorageError ? err : new KafkaStorageError('truncate', this.dir, { cause: err }));
      throw this.failure;
    }
  }

  /** {@link truncateFullyAndStartAt}, in the append queue. */
  private async restartAt(offset: number): Promise<void> {
    await this.producerSnapshots.settled();
    const doomed = this.segments;
    try {
      // Renamed away first: a new segment may take the name of an old one.
      for (const segment of doomed) await this.retire(segment);
      const segment = await LogSegment.create(this.dir, offset, this.config);
      this.segments = [segment];
      this.nextOffset = offset;
      this.startOffset = offset;
      this.hw.restartedAt(offset);
      this.flusher.restartedAt(offset);
      this.logger.info({ logStartOffset: offset, deletedSegments: doomed.length }, 'emptied the log');
      await fsyncDir(this.dir);
      this.epochCache.clear();
      await this.epochCache.flush();
      await Promise.all((await listProducerSnapshots(this.dir)).map((o) => deleteProducerSnapshot(this.dir, o)));
      this.producers = new ProducerStateManager();
      this.producerSnapshots = new ProducerSnapshots(this.dir, [], this.logger);
      await this.onTruncated?.();
    } catch (err) {
      this.failPermanently(err instanceof KafkaStorageError ? err : new KafkaStorageError('truncate', this.dir, { cause: err }));
      throw this.failure;
    }
  }

  /** Rebuilds producer state as of `logEndOffset` after a truncation (Kafka `rebuildProducerState`). */
  private async reloadProducerState(logEndOffset: number): Promise<void> {
    const loaded = await loadProducerState({ dir: this.dir, segments: this.segments, logEndOffset, nowMs: this.clock.now(), logger: this.logger });
    this.producers = loaded.state;
    this.producerSnapshots = new ProducerSnapshots(this.dir, loaded.snapshotOffsets, this.logger);
  }

  private withSegmentChanges<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.segmentChanges.then(fn, fn);
    this.segmentChanges = run.catch(() => undefined);
    return run;
  }

  private async deleteOldest(toDelete: readonly LogSegment[]): Promise<number> {
    const current = this.segments;
    const n = toDelete.length;
    if (n >= current.length || toDelete.some((s, i) => current[i] !== s)) {
      throw new RangeError('can only delete a prefix of inactive segments');
    }
    this.segments = current.slice(n);
    this.startOffset = Math.max(this.startOffset, this.segments[0]!.baseOffset);
    this.epochCache.truncateFromStart(this.startOffset);
    for (const segment of toDelete) {
      await this.retire(segment);
      this.logger.info({ baseOffset: segment.baseOffset, sizeInBytes: segment.size, logStartOffset: this.startOffset }, 'deleted segment by retention');
    }
    this.flusher.markDirDirty();
    return n;
  }

  /**
   * Renames a segment that left the list (retention, DeleteRecords, a cleaner swap) `.deleted`
   * and unlinks it after `file.delete.delay.ms` once no read holds it; a failed unlink is logged
   * (the next start removes `.deleted` files), never left as an unhandled rejection.
   */
  private async retire(segment: LogSegment): Promise<void> {
    this.flusher.forget(segment);
    this.pendingDeletes.add(segment);
    const { unlinked } = await segment.markDeleted(this.config.fileDeleteDelayMs);
    void unlinked
      .catch((err: unknown) => this.logger.warn({ err, baseOffset: segment.baseOffset }, 'could not unlink a deleted segment; the next start removes it'))
      .finally(() => this.pendingDeletes.delete(segment));
  }

  /**
   * The log cleaner's swap (Kafka `UnifiedLog.replaceSegments`; the protocol and its recovery are
   * in cleaner/segment-swap.ts): `cleaned`, a segment written with `.cleaned` files, fsynced and
   * closed, holding the surviving batches of `old` (a run of inactive segments starting at its
   * baseOffset), replaces them. Reads in flight keep the old segments (retained) until they
   * finish; the old files are renamed `.deleted` and unlinked after `file.delete.delay.ms`. The
   * segment list changes in one synchronous step once the new files have their names.
   *
   * Returns false, and deletes the cleaned files, when `old` is no longer a run of inactive
   * segments of the log (retention deleted some meanwhile, or the log closed).
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  replaceSegments(old: readonly LogSegment[], cleaned: { readonly baseOffset: number; readonly sizeInBytes: number }): Promise<boolean> {
    return this.withSegmentChanges(async () => {
      const at = this.segments.indexOf(old[0]!);
      const isRun = at >= 0 && at + old.length < this.segments.length && old.every((s, i) => this.segments[at + i] === s);
      if (this.closed || !isRun || old[0]!.baseOffset !== cleaned.baseOffset) {
        await removeCleanedSegment(this.dir, cleaned.baseOffset);
        return false;
      }
      await commitCleanedSegment(this.dir, cleaned.baseOffset);
      for (const segment of old) await this.retire(segment);
      await finishSwap(this.dir, cleaned.baseOffset);
      const replacement = LogSegment.existing(this.dir, cleaned.baseOffset, cleaned.sizeInBytes, this.clock.now(), this.config);
      const current = this.segments;
      const from = current.indexOf(old[0]!);
      this.segments = [...current.slice(0, from), replacement, ...current.slice(from + old.length)];
      return true;
    });
  }

  /**
   * Last offsets of the last batch of every producer in producer state: the cleaner keeps those
   * batches, emptied if need be, so a restart rebuilds the same sequence state (Kafka
   * `Cleaner.lastRecordsOfActiveProducers`).
   */
  producerLastOffsets(): Set<number> {
    return this.producers.lastBatchOffsets();
  }

  /** Whether {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Clean shutdown of this log: waits for queued appends, writes the indexes, fdatasyncs
   * everything, closes the files. Later appends fail with KafkaStorageError. The files are
   * closed even when the final sync fails (a full disk); then it throws KafkaStorageError
   * (→ 56), so the caller does not mark the shutdown clean.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining || this.drainScheduled || this.queue.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      if (this.failure) throw this.failure;
      await this.flusher.syncAll();
      await this.active.flushAndSyncIndexes();
      // A partition with nothing in it replays nothing at the next start: no file for it.
      if (this.nextOffset > this.startOffset || this.producers.size > 0) this.producerSnapshots.take(this.nextOffset, this.producers.snapshotEntries(), (offset) => this.sync(offset));
    } finally {
      await this.producerSnapshots.settled();
      await this.segmentChanges;
      await Promise.all([...this.segments, ...this.pendingDeletes].map((s) => s.close()));
      this.listeners.clear();
    }
  }
}
