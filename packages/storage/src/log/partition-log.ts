import { batchLastOffsetDelta, batchMaxTimestamp, batchSizeInBytes, setBatchBaseOffset } from '@sluice/protocol';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { isNoSpaceError, isRecoverable, KafkaStorageError, OffsetOutOfRangeError, ProducerStateError } from '../errors.js';
import { rollConfig, type LogConfig } from '../log-config.js';
import { commitCleanedSegment, finishSwap, removeCleanedSegment } from '../cleaner/segment-swap.js';
import { LogSegment, type SegmentAppendMark } from '../segment/log-segment.js';
import { logStartOffsetBreached } from '../manager/retention.js';
import { DamageReports } from './damage-reports.js';
import { LogFlusher } from './log-flusher.js';
import { loadLog } from './log-loader.js';
import { findOffsetByTimestamp, floorSegmentIndex, readBatches, type LogSnapshot } from './log-reader.js';
import { applyLogAppendTime, validateAppend, validateCompressedRecords } from './log-validator.js';
import { appendInfoOf, type AppendInfo, type PendingAppend, type SeqWaiter } from './pending-append.js';

export type { AppendInfo } from './pending-append.js';
import { loadProducerState } from '../producer/producer-state-loader.js';
import type { ProducerAppendRound, ProducerStateManager } from '../producer/producer-state-manager.js';
import { ProducerSnapshots } from '../producer/producer-snapshots.js';
import { idempotentBatchInfo } from '../producer/idempotent-batch.js';

/** Result of {@link PartitionLog.read}. */
export interface ReadResult {
  /** Whole RecordBatch v2 byte ranges, in offset order (possibly several file reads). */
  readonly records: Buffer[];
  /** Total bytes in `records`. */
  readonly sizeInBytes: number;
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
 * offset: a batch is visible to readers once written (not fsynced), as with Kafka acks=1.
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
  private queue: PendingAppend[] = [];
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
  private readonly producerSnapshots: ProducerSnapshots;
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
    private readonly producers: ProducerStateManager,
    snapshotOffsets: number[],
  ) {
    this.producerSnapshots = new ProducerSnapshots(dir, snapshotOffsets, logger);
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
    return new PartitionLog(options.topic, options.partition, options.dir, options.config, clock, logger, loaded, producers.state, producers.snapshotOffsets);
  }

  /** First offset still in the log. */
  get logStartOffset(): number {
    return this.startOffset;
  }

  /** Offset the next appended record gets. */
  get logEndOffset(): number {
    return this.nextOffset;
  }

  /** Offset up to which records are readable; equals the log end offset (single replica). */
  get highWatermark(): number {
    return this.nextOffset;
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
   * @throws RecordValidationError (CorruptRecordError 2, RecordBatchTooLargeError 10,
   *   RecordListTooLargeError 18, InvalidRecordError 87), naming the offending batch.
   * @throws ProducerStateError (OUT_OF_ORDER_SEQUENCE_NUMBER 45, INVALID_PRODUCER_EPOCH 47,
   *   UNKNOWN_PRODUCER_ID 59) for an idempotent batch its producer state refuses.
   * @throws KafkaStorageError (→ KAFKA_STORAGE_ERROR 56) on I/O failure or a closed log.
   */
  append(records: Buffer, opts?: { nowMs?: number }): Promise<AppendInfo> {
    try {
      if (this.failure) throw this.failure;
      if (this.closed) throw new KafkaStorageError('append', this.dir, { cause: new Error('log is closed') });
      const info = validateAppend(records, this.config);
      const producer = idempotentBatchInfo(records);
      // Queued at once, checked while it waits: appends keep their arrival order.
      const validation = info.compressedBatches > 0 ? validateCompressedRecords(records, this.config) : null;
      return new Promise<AppendInfo>((resolve, reject) => {
        this.queue.push({ records, ...info, nowMs: opts?.nowMs ?? this.clock.now(), seq: ++this.enqueuedSeq, resolve, reject, validation, baseOffset: -1, producer });
        this.scheduleDrain();
      });
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
        const round = this.queue;
        this.queue = [];
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
        const config = this.config;
        const lastOffset = offset + append.offsetCount - 1;
        if (this.active.shouldRoll(append.sizeInBytes, lastOffset, append.nowMs, rollConfig(config))) {
          await this.commitChunk(chunk, chunkBytes, offset);
          chunk = [];
          chunkBytes = 0;
          mark = null;
          await this.roll(offset);
        }
        const segment = this.active;
        mark ??= segment.appendMark();
        segment.firstAppendMs ??= append.nowMs;
        const logAppendTime = config.messageTimestampType === 'LogAppendTime';
        append.baseOffset = offset;
        const records = append.records;
        for (let position = 0; position < records.length; ) {
          const size = batchSizeInBytes(records, position);
          setBatchBaseOffset(records, offset, position);
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
    }
    for (const a of chunk) {
      a.resolve(appendInfoOf(a, this.config, this.startOffset));
    }
    this.markSettled(chunk[chunk.length - 1]!.seq);
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
   * at least one whole batch when `minOneBatch` (default true). `fetchOffset === logEndOffset`
   * gives no records. Binary search on segment base offsets, sparse offset index, header scan.
   *
   * Never returns a batch that fails its CRC-32C check (data damaged at rest): stops before it.
   *
   * @throws OffsetOutOfRangeError (→ OFFSET_OUT_OF_RANGE 1) below logStartOffset or above logEndOffset.
   * @throws CorruptSegmentError (→ KAFKA_STORAGE_ERROR 56) when the first batch to return is
   *   damaged or the batch headers do not frame; logged once per segment and position.
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async read(fetchOffset: number, maxBytes: number, opts?: { minOneBatch?: boolean }): Promise<ReadResult> {
    const highWatermark = this.nextOffset;
    const logStartOffset = this.startOffset;
    if (fetchOffset < logStartOffset || fetchOffset > highWatermark) {
      throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, highWatermark);
    }
    if (fetchOffset === highWatermark) return { records: [], sizeInBytes: 0, highWatermark, logStartOffset };
    const { records, sizeInBytes } = await readBatches(this.snapshot(), fetchOffset, maxBytes, opts?.minOneBatch ?? true).catch((err: unknown) => this.damageReports.rethrow(err));
    return { records, sizeInBytes, highWatermark, logStartOffset };
  }

  /**
   * The first record at or after logStartOffset whose timestamp is >= `timestampMs` (ListOffsets
   * by timestamp, KIP-79), or null if there is none. Under LogAppendTime a batch's records carry
   * its maxTimestamp. Records below logStartOffset (which DeleteRecords may put inside a segment
   * or a batch) are skipped.
   *
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    const logStartOffset = this.startOffset;
    const snapshot = this.snapshot();
    // Segments wholly below logStartOffset stay listed when a cut kept the log-start-offset
    // checkpoint but not retention's renames; they are not part of the log.
    const first = floorSegmentIndex(snapshot.segments, logStartOffset);
    const scoped = first <= 0 ? snapshot : { ...snapshot, segments: snapshot.segments.slice(first) };
    return findOffsetByTimestamp(scoped, timestampMs, logStartOffset).catch((err: unknown) => this.damageReports.rethrow(err));
  }

  /** Registers a callback run after each write that advanced the log end offset; returns unsubscribe. */
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
    if (toDelete.length === 0) return Promise.resolve(0);
    return this.withSegmentChanges(() => this.deleteOldest(toDelete));
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
      const highWatermark = this.nextOffset;
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > highWatermark) throw new OffsetOutOfRangeError(offset, this.startOffset, highWatermark);
      if (offset > this.startOffset) {
        this.logger.info({ from: this.startOffset, to: offset }, 'moved logStartOffset by DeleteRecords');
        this.startOffset = offset;
      }
      const breached = logStartOffsetBreached(this.segments, this.startOffset);
      if (breached.length > 0) await this.deleteOldest(breached);
      return this.startOffset;
    });
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
