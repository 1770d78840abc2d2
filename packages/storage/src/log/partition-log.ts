import { batchLastOffsetDelta, batchMaxTimestamp, batchSizeInBytes, setBatchBaseOffset } from '@sluice/protocol';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { KafkaStorageError, OffsetOutOfRangeError } from '../errors.js';
import { fsyncDir } from '../io/disk.js';
import type { LogConfig } from '../log-config.js';
import { LogSegment } from '../segment/log-segment.js';
import { GroupCommit } from './group-commit.js';
import { loadLog } from './log-loader.js';
import { findOffsetByTimestamp, floorSegmentIndex, readBatches, type LogSnapshot } from './log-reader.js';
import { applyLogAppendTime, validateAppend } from './log-validator.js';

/** Result of {@link PartitionLog.append} (Kafka `LogAppendInfo`). */
export interface AppendInfo {
  /** Offset assigned to the first record of the append. */
  readonly baseOffset: number;
  /** Offset of the last record of the append. */
  readonly lastOffset: number;
  /** The broker time stamped on the batches (ms) under LogAppendTime, else -1. */
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  /** Sum of the appended batches' recordsCount. */
  readonly recordCount: number;
}

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

interface PendingAppend {
  readonly records: Buffer;
  readonly sizeInBytes: number;
  readonly offsetCount: number;
  readonly recordCount: number;
  readonly nowMs: number;
  readonly seq: number;
  readonly resolve: (info: AppendInfo) => void;
  readonly reject: (err: unknown) => void;
  baseOffset: number;
}

interface SeqWaiter {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
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
 */
export class PartitionLog {
  private segments: readonly LogSegment[];
  private nextOffset: number;
  private startOffset: number;
  /** Offset below which everything is fsynced (written to `recovery-point-offset-checkpoint`). */
  private recoveryPointOffset: number;
  /** The log end offset when the fdatasync round in flight started: it makes every offset below durable. */
  private flushingTarget = -1;
  private queue: PendingAppend[] = [];
  private drainScheduled = false;
  private draining = false;
  private enqueuedSeq = 0;
  private committedSeq = 0;
  private seqWaiters: SeqWaiter[] = [];
  private readonly dirty = new Set<LogSegment>();
  /**
   * Starts true: the loader may have created files (a new partition's first segment) or removed
   * some without fsyncing the directory, and a synced record in a file whose name is not durable
   * is lost at a power cut. One directory fsync per partition open, at its first sync.
   */
  private dirDirty = true;
  private failure: KafkaStorageError | null = null;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly pendingDeletes = new Set<LogSegment>();
  private readonly groupCommit = new GroupCommit(() => this.flushDirty());

  private constructor(
    readonly topic: string,
    readonly partition: number,
    /** The partition directory. */
    readonly dir: string,
    private config: LogConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    loaded: { segments: LogSegment[]; logEndOffset: number; logStartOffset: number; recoveryPoint: number },
  ) {
    this.segments = loaded.segments;
    this.nextOffset = loaded.logEndOffset;
    this.startOffset = loaded.logStartOffset;
    this.recoveryPointOffset = loaded.recoveryPoint;
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
    return new PartitionLog(options.topic, options.partition, options.dir, options.config, options.clock ?? systemClock, logger, loaded);
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
    return this.recoveryPointOffset;
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
   * segment.bytes, record counts, no control batch), then assigns offsets by patching each
   * baseOffset in place, stamps LogAppendTime when configured, and resolves once the bytes are
   * written to the segment file (not fsynced; see `sync()`). Nothing of the call is written when
   * it fails a check.
   *
   * @throws RecordValidationError (CorruptRecordError 2, RecordBatchTooLargeError 10,
   *   RecordListTooLargeError 18, InvalidRecordError 87), naming the offending batch.
   * @throws KafkaStorageError (→ KAFKA_STORAGE_ERROR 56) on I/O failure or a closed log.
   */
  append(records: Buffer, opts?: { nowMs?: number }): Promise<AppendInfo> {
    try {
      if (this.failure) throw this.failure;
      if (this.closed) throw new KafkaStorageError('append', this.dir, { cause: new Error('log is closed') });
      const info = validateAppend(records, this.config);
      return new Promise<AppendInfo>((resolve, reject) => {
        this.queue.push({ records, ...info, nowMs: opts?.nowMs ?? this.clock.now(), seq: ++this.enqueuedSeq, resolve, reject, baseOffset: -1 });
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
        await this.appendRound(round);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Assigns offsets to a round of appends, writes them (rolling as needed) and resolves them. */
  private async appendRound(round: PendingAppend[]): Promise<void> {
    let chunk: PendingAppend[] = [];
    let chunkBytes = 0;
    let offset = this.nextOffset;
    try {
      for (const append of round) {
        if (this.failure) throw this.failure;
        const config = this.config;
        const lastOffset = offset + append.offsetCount - 1;
        if (this.active.shouldRoll(append.sizeInBytes, lastOffset, append.nowMs, config)) {
          await this.commitChunk(chunk, chunkBytes, offset);
          chunk = [];
          chunkBytes = 0;
          await this.roll(offset);
        }
        const segment = this.active;
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
        chunk.push(append);
        chunkBytes += append.sizeInBytes;
      }
      await this.commitChunk(chunk, chunkBytes, offset);
    } catch (err) {
      this.failure ??= err instanceof KafkaStorageError ? err : new KafkaStorageError('append', this.dir, { cause: err });
      this.logger.error({ err }, 'partition log failed; it accepts no more appends');
      for (const append of round) if (append.seq > this.committedSeq) append.reject(this.failure);
      for (const append of this.queue) append.reject(this.failure);
      this.queue = [];
      for (const waiter of this.seqWaiters.splice(0)) waiter.reject(this.failure);
    }
  }

  /** Writes a chunk of appends to the active segment and makes them visible. */
  private async commitChunk(chunk: PendingAppend[], bytes: number, endOffset: number): Promise<void> {
    if (chunk.length === 0) return;
    const segment = this.active;
    await segment.write(
      chunk.map((a) => a.records),
      bytes,
    );
    this.dirty.add(segment);
    this.nextOffset = endOffset;
    this.committedSeq = chunk[chunk.length - 1]!.seq;
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime';
    for (const a of chunk) {
      a.resolve({
        baseOffset: a.baseOffset,
        lastOffset: a.baseOffset + a.offsetCount - 1,
        logAppendTimeMs: logAppendTime ? a.nowMs : -1,
        logStartOffset: this.startOffset,
        recordCount: a.recordCount,
      });
    }
    if (this.seqWaiters.length > 0) {
      const still: SeqWaiter[] = [];
      for (const w of this.seqWaiters) (w.seq <= this.committedSeq ? w.resolve() : still.push(w));
      this.seqWaiters = still;
    }
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
    const segment = await LogSegment.create(this.dir, baseOffset, this.config);
    this.segments = [...this.segments, segment];
    this.dirty.add(old);
    this.dirDirty = true;
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
      if (throughOffset < this.recoveryPointOffset) return;
      const running = this.groupCommit.current;
      if (running !== null && throughOffset < this.flushingTarget) return running;
      return this.groupCommit.request();
    }
    const seq = this.enqueuedSeq;
    if (this.committedSeq < seq) {
      await new Promise<void>((resolve, reject) => this.seqWaiters.push({ seq, resolve, reject }));
    }
    await this.groupCommit.request();
  }

  private async flushDirty(): Promise<void> {
    const active = this.active;
    const segments = [...this.dirty].filter((s) => !s.isDeleted);
    this.dirty.clear();
    const dirDirty = this.dirDirty;
    this.dirDirty = false;
    const target = this.nextOffset;
    this.flushingTarget = target;
    try {
      await Promise.all(segments.map((s) => (s === active ? s.syncLog() : Promise.all([s.syncLog(), s.flushAndSyncIndexes()]))));
      if (dirDirty) await fsyncDir(this.dir);
    } catch (err) {
      for (const s of segments) this.dirty.add(s);
      this.dirDirty ||= dirDirty;
      throw err;
    }
    this.recoveryPointOffset = Math.max(this.recoveryPointOffset, target);
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
   * @throws OffsetOutOfRangeError (→ OFFSET_OUT_OF_RANGE 1) below logStartOffset or above logEndOffset.
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  async read(fetchOffset: number, maxBytes: number, opts?: { minOneBatch?: boolean }): Promise<ReadResult> {
    const highWatermark = this.nextOffset;
    const logStartOffset = this.startOffset;
    if (fetchOffset < logStartOffset || fetchOffset > highWatermark) {
      throw new OffsetOutOfRangeError(fetchOffset, logStartOffset, highWatermark);
    }
    if (fetchOffset === highWatermark) return { records: [], sizeInBytes: 0, highWatermark, logStartOffset };
    const { records, sizeInBytes } = await readBatches(this.snapshot(), fetchOffset, maxBytes, opts?.minOneBatch ?? true);
    return { records, sizeInBytes, highWatermark, logStartOffset };
  }

  /**
   * The first record at or after logStartOffset whose timestamp is >= `timestampMs` (ListOffsets
   * by timestamp, KIP-79), or null if there is none. Under LogAppendTime a batch's records carry
   * its maxTimestamp. (logStartOffset is always a segment's baseOffset here: retention deletes
   * whole segments.)
   *
   * @throws KafkaStorageError (→ 56) on I/O failure.
   */
  offsetForTimestamp(timestampMs: number): Promise<{ offset: number; timestamp: number } | null> {
    const snapshot = this.snapshot();
    // Segments wholly below logStartOffset stay listed when a cut kept the log-start-offset
    // checkpoint but not retention's renames; they are not part of the log.
    const first = floorSegmentIndex(snapshot.segments, this.startOffset);
    if (first <= 0) return findOffsetByTimestamp(snapshot, timestampMs);
    return findOffsetByTimestamp({ ...snapshot, segments: snapshot.segments.slice(first) }, timestampMs);
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
  async deleteOldestSegments(toDelete: readonly LogSegment[]): Promise<number> {
    if (toDelete.length === 0) return 0;
    const current = this.segments;
    const n = toDelete.length;
    if (n >= current.length || toDelete.some((s, i) => current[i] !== s)) {
      throw new RangeError('can only delete a prefix of inactive segments');
    }
    this.segments = current.slice(n);
    this.startOffset = Math.max(this.startOffset, this.segments[0]!.baseOffset);
    for (const segment of toDelete) {
      this.dirty.delete(segment);
      this.pendingDeletes.add(segment);
      const { unlinked } = await segment.markDeleted(this.config.fileDeleteDelayMs);
      void unlinked
        .catch((err: unknown) => this.logger.warn({ err, baseOffset: segment.baseOffset }, 'could not unlink deleted segment; the next start removes it'))
        .finally(() => this.pendingDeletes.delete(segment));
      this.logger.info({ baseOffset: segment.baseOffset, sizeInBytes: segment.size }, 'deleted segment by retention');
    }
    this.dirDirty = true;
    return n;
  }

  /**
   * Clean shutdown of this log: waits for queued appends, writes the indexes, fdatasyncs
   * everything, closes the files. Later appends fail with KafkaStorageError.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining || this.drainScheduled || this.queue.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!this.failure) {
      await this.groupCommit.request();
      await this.active.flushAndSyncIndexes();
    }
    await Promise.all([...this.segments, ...this.pendingDeletes].map((s) => s.close()));
    this.listeners.clear();
  }
}
