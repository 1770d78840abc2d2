import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { KafkaStorageError } from '../errors.js';
import type { LogConfig } from '../log-config.js';
import { LogSegment } from '../segment/log-segment.js';
import { AppendQueue } from './append-queue.js';
import { DamageReports } from './damage-reports.js';
import { LogFlusher } from './log-flusher.js';
import { loadLog } from './log-loader.js';
import { offsetForTimestampWithinBounds, readWithinBounds, type ReadBounds } from './bounded-read.js';
import { cutLogTo, restartLogAt, type LogTruncationHost } from './log-truncation.js';
import type { AppendInfo } from './pending-append.js';
import type { EpochEndOffset, EpochEntry, LeaderEpochCache } from './leader-epoch-cache.js';
import { loadLeaderEpochCache } from './leader-epoch-loader.js';
import { HighWatermark } from './high-watermark.js';
import type { AppendOptions, PartitionLogOptions, ReadOptions, ReadResult } from './partition-log-options.js';
import { SegmentList } from './segment-list.js';

export type { AppendInfo } from './pending-append.js';
import { loadProducerState } from '../producer/producer-state-loader.js';
import type { ProducerStateManager } from '../producer/producer-state-manager.js';
import { ProducerSnapshots } from '../producer/producer-snapshots.js';

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
  private readonly appends: AppendQueue;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly flusher: LogFlusher;
  private producerSnapshots: ProducerSnapshots;
  private readonly hw: HighWatermark;
  private readonly damageReports: DamageReports;
  private readonly segmentList: SegmentList;
  private readonly truncation: LogTruncationHost;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    /** The partition directory. */
    readonly dir: string,
    private config: LogConfig,
    clock: Clock,
    private readonly logger: Logger,
    loaded: { segments: LogSegment[]; logEndOffset: number; logStartOffset: number; recoveryPoint: number },
    /** Per producer id: epoch and last batches (KIP-98); see `producerState`. */
    private producers: ProducerStateManager,
    snapshotOffsets: number[],
    /** Where each leader epoch starts (KIP-101). */
    private readonly epochCache: LeaderEpochCache,
    /** See `PartitionLogOptions.highWatermark`. */
    checkpointedHighWatermark: number | undefined,
    onTruncated: (() => Promise<void>) | undefined,
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
        failPermanently: (err) => this.appends.failPermanently(err),
        flushMetadata: () => (this.epochCache.isDirty ? this.epochCache.flush() : null),
      },
      loaded.recoveryPoint,
    );
    // The pieces below share this log's state through accessors; none keeps a copy of it.
    const shared = { dir, logger, clock, epochCache, flusher: () => this.flusher, config: () => this.config, segments: () => this.segments };
    const offsets = { logStartOffset: () => this.startOffset, logEndOffset: () => this.nextOffset, highWatermark: () => this.highWatermark };
    this.appends = new AppendQueue({
      ...shared,
      ...offsets,
      producers: () => this.producers,
      active: () => this.active,
      setLogEndOffset: (offset) => (this.nextOffset = offset),
      roll: (baseOffset) =>
        // Every batch below baseOffset is written and learnt: the snapshot a recovery starts from.
        this.segmentList.roll(baseOffset, () => this.producerSnapshots.take(baseOffset, this.producers.snapshotEntries(), (offset) => this.sync(offset))),
      notifyListeners: () => this.notifyListeners(),
    });
    this.segmentList = new SegmentList({
      ...shared,
      ...offsets,
      setSegments: (segments) => (this.segments = segments),
      setLogStartOffset: (offset) => (this.startOffset = offset),
      isReplicated: () => this.hw.isReplicated,
      isClosed: () => this.closed,
    });
    this.truncation = {
      ...shared,
      producerSnapshotsSettled: () => this.producerSnapshots.settled(),
      rethrowDamage: (err) => this.damageReports.rethrow(err),
      hw: this.hw,
      logStartOffset: () => this.startOffset,
      setEnd: (segments, logEndOffset, logStartOffset) => {
        this.segments = segments;
        this.nextOffset = logEndOffset;
        this.startOffset = logStartOffset;
      },
      retire: (segment) => this.segmentList.retire(segment),
      setProducerState: (state, snapshotOffsets) => {
        this.producers = state;
        this.producerSnapshots = new ProducerSnapshots(dir, snapshotOffsets, logger);
      },
      onTruncated,
      failPermanently: (err) => this.appends.failPermanently(err),
    };
    const active = this.active;
    if (active.size > 0) active.firstAppendMs = clock.now();
  }

  /**
   * Opens (and if needed recovers, see `loadLog`) the partition directory.
   * Throws KafkaStorageError (→ 56) on I/O failure.
   */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const logger = options.logger.child({ component: 'partition-log', topic: options.topic, partition: options.partition });
    const clock = options.clock ?? systemClock;
    const loaded = await loadLog({
      dir: options.dir,
      config: options.config,
      recoveryPoint: options.recoveryPoint ?? 0,
      logStartOffset: options.logStartOffset ?? 0,
      cleanShutdown: options.cleanShutdown ?? false,
      nowMs: clock.now(),
      logger,
    });
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
  get producerState(): Pick<ProducerStateManager, 'size' | 'entry' | 'snapshotEntries'> {
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
      this.checkWritable();
      return this.appends.append(records, opts);
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
      this.checkWritable();
      return this.appends.appendAsFollower(records);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Throws why an append cannot be queued: the log failed for good, or is closed. */
  private checkWritable(): void {
    if (this.appends.failure) throw this.appends.failure;
    if (this.closed) throw new KafkaStorageError('append', this.dir, { cause: new Error('log is closed') });
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
    if (this.appends.failure) throw this.appends.failure;
    if (throughOffset !== undefined && throughOffset < this.nextOffset) {
      return this.flusher.syncWritten(throughOffset);
    }
    await this.appends.waitQueued();
    await this.flusher.syncAll();
  }

  /** What a read starting now sees (see `ReadBounds`). */
  private readBounds(): ReadBounds {
    return {
      logStartOffset: this.startOffset,
      logEndOffset: this.nextOffset,
      highWatermark: this.highWatermark,
      snapshot: () => {
        const endSegment = this.active;
        return { segments: this.segments, endSegment, endPosition: endSegment.size };
      },
      snapshotBelow: (upTo) => this.hw.snapshotBelow(this.segments, upTo),
      rethrowDamage: (err) => this.damageReports.rethrow(err),
    };
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
    return readWithinBounds(this.readBounds(), fetchOffset, maxBytes, opts);
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
    return offsetForTimestampWithinBounds(this.readBounds(), timestampMs);
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
    return this.segmentList.deleteOldestSegments(toDelete);
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
    return this.segmentList.deleteRecordsBefore(offset);
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
      if (offset < this.segments[0]!.baseOffset) return restartLogAt(this.truncation, offset);
      await cutLogTo(this.truncation, offset);
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
    return this.runAlone('truncateFullyAndStartAt', () => restartLogAt(this.truncation, offset));
  }

  /**
   * Queues `fn` to run alone in the append queue (see {@link QueuedTask}), and serialized with
   * retention and cleaner swaps, which also change the segment list.
   */
  private runAlone(operation: string, fn: () => Promise<void>): Promise<void> {
    if (this.appends.failure) return Promise.reject(this.appends.failure);
    if (this.closed) return Promise.reject(new KafkaStorageError(operation, this.dir, { cause: new Error('log is closed') }));
    return this.appends.runAlone(() => this.segmentList.withSegmentChanges(fn));
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
    return this.segmentList.replaceSegments(old, cleaned);
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
    while (!this.appends.idle) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      if (this.appends.failure) throw this.appends.failure;
      await this.flusher.syncAll();
      await this.active.flushAndSyncIndexes();
      // A partition with nothing in it replays nothing at the next start: no file for it.
      if (this.nextOffset > this.startOffset || this.producers.size > 0) this.producerSnapshots.take(this.nextOffset, this.producers.snapshotEntries(), (offset) => this.sync(offset));
    } finally {
      await this.producerSnapshots.settled();
      await this.segmentList.settled();
      await Promise.all([...this.segments, ...this.segmentList.retiring].map((s) => s.close()));
      this.listeners.clear();
    }
  }
}
