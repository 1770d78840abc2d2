import { batchLastOffset, batchLastOffsetDelta, batchMaxTimestamp, batchSizeInBytes, setBatchBaseOffset, setBatchPartitionLeaderEpoch } from '@sluice/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { isNoSpaceError, isRecoverable, KafkaStorageError, ProducerStateError, UnexpectedAppendOffsetError } from '../errors.js';
import { rollConfig, type LogConfig } from '../log-config.js';
import type { LogSegment, SegmentAppendMark } from '../segment/log-segment.js';
import type { ProducerAppendRound, ProducerStateManager } from '../producer/producer-state-manager.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import type { LogFlusher } from './log-flusher.js';
import { applyLogAppendTime, validateAppend, validateCompressedRecords } from './log-validator.js';
import { validateFollowerAppend } from './follower-append.js';
import { idempotentBatchInfo } from '../producer/idempotent-batch.js';
import { appendInfoOf, isQueuedTask, type AppendInfo, type PendingAppend, type QueuedTask, type SeqWaiter } from './pending-append.js';

/**
 * What {@link AppendQueue} needs of its partition log. The log end offset, the segment list (through
 * {@link active} and {@link roll}) and producer state stay the log's: reads and truncation use them too.
 */
export interface AppendQueueHost {
  readonly dir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly epochCache: LeaderEpochCache;
  readonly flusher: () => Pick<LogFlusher, 'markDirty'>;
  readonly config: () => LogConfig;
  readonly producers: () => ProducerStateManager;
  readonly active: () => LogSegment;
  readonly logEndOffset: () => number;
  readonly setLogEndOffset: (offset: number) => void;
  readonly logStartOffset: () => number;
  /** Kafka `UnifiedLog.roll`: a new active segment at `baseOffset`. */
  readonly roll: (baseOffset: number) => Promise<void>;
  /** Runs the `onAppend` listeners. */
  readonly notifyListeners: () => void;
}

/**
 * A partition log's append queue (see the `PartitionLog` class doc for the contract): appends
 * and tasks (truncation) wait here in arrival order; one drain at a time writes each round of
 * queued appends as few writevs as rolls allow, and runs each task alone. It also owns how the
 * log fails: a write that failed for want of space is undone and only its appends fail; any
 * other failure fails the log for good ({@link failure}).
 */
export class AppendQueue {
  private queue: Array<PendingAppend | QueuedTask> = [];
  private drainScheduled = false;
  private draining = false;
  private enqueuedSeq = 0;
  private committedSeq = 0;
  private seqWaiters: SeqWaiter[] = [];
  /** Set by a failure the log cannot undo (see {@link isRecoverable}): no append or sync succeeds until a restart. */
  private failed: KafkaStorageError | null = null;
  /** Since when appends have failed for want of disk space or descriptors (ms, the clock), or null. */
  private noSpaceSinceMs: number | null = null;

  constructor(private readonly host: AppendQueueHost) {}

  /** The failure that failed the log for good, or null. */
  get failure(): KafkaStorageError | null {
    return this.failed;
  }

  /** Whether nothing is queued, scheduled or draining (closing waits for this). */
  get idle(): boolean {
    return !(this.draining || this.drainScheduled || this.queue.length > 0);
  }

  /**
   * `PartitionLog.append` once the log is known to be writable: validates `records` (throwing
   * synchronously when a check fails, so nothing is queued), then queues them.
   */
  append(records: Buffer, opts: { readonly nowMs?: number; readonly leaderEpoch?: number } | undefined): Promise<AppendInfo> {
    const config = this.host.config();
    const info = validateAppend(records, config);
    const producer = idempotentBatchInfo(records);
    // Queued at once, checked while it waits: appends keep their arrival order.
    const validation = info.compressedBatches > 0 ? validateCompressedRecords(records, config) : null;
    return new Promise<AppendInfo>((resolve, reject) => {
      const leaderEpoch = opts?.leaderEpoch;
      this.enqueue({ records, ...info, nowMs: opts?.nowMs ?? this.host.clock.now(), seq: ++this.enqueuedSeq, resolve, reject, validation, baseOffset: -1, producer, leaderEpoch });
    });
  }

  /** `PartitionLog.appendAsFollower` once the log is known to be writable (throws synchronously on bad batches). */
  appendAsFollower(records: Buffer): Promise<{ firstOffset: number; lastOffset: number }> {
    if (records.length === 0) return Promise.resolve({ firstOffset: -1, lastOffset: -1 });
    // The offset check waits for the append's turn: a truncation queued before it lowers the log end.
    const follower = validateFollowerAppend(records);
    return new Promise<AppendInfo>((resolve, reject) => {
      this.enqueue({
        records,
        sizeInBytes: records.length,
        offsetCount: follower.lastOffset - follower.firstOffset + 1,
        recordCount: follower.recordCount,
        nowMs: this.host.clock.now(),
        seq: ++this.enqueuedSeq,
        resolve,
        reject,
        validation: null,
        baseOffset: -1,
        producer: null,
        follower,
      });
    }).then((info) => ({ firstOffset: info.baseOffset, lastOffset: info.lastOffset }));
  }

  /** Queues an append or a task and makes sure a drain will run. */
  private enqueue(item: PendingAppend | QueuedTask): void {
    this.queue.push(item);
    this.scheduleDrain();
  }

  /**
   * Queues `fn` (truncation) to run alone: after the appends queued before it, before those
   * queued after it (see {@link QueuedTask}). It does not run once the log has failed.
   */
  runAlone(fn: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const run = async (): Promise<void> => {
        try {
          if (this.failed) throw this.failed;
          await fn();
          resolve();
        } catch (err) {
          reject(err);
        }
      };
      this.enqueue({ run, reject });
    });
  }

  /** Resolves once every append queued before the call is written or settled; rejects if the log fails first. */
  async waitQueued(): Promise<void> {
    const seq = this.enqueuedSeq;
    if (this.committedSeq < seq) {
      await new Promise<void>((resolve, reject) => this.seqWaiters.push({ seq, resolve, reject }));
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
        if (!this.failed) this.markSettled(round[round.length - 1]!.seq);
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
    let offset = this.host.logEndOffset();
    let producerRound: ProducerAppendRound | null = null;
    try {
      for (const append of round) {
        if (this.failed) throw this.failed;
        if (append.producer !== null) {
          producerRound ??= this.host.producers().beginRound();
          if (!this.checkProducer(append, producerRound, chunk)) continue;
        }
        const follower = append.follower;
        if (follower !== undefined && follower.firstOffset < offset) {
          append.reject(new UnexpectedAppendOffsetError(follower.firstOffset, offset));
          continue;
        }
        const config = this.host.config();
        const firstOffset = follower?.firstOffset ?? offset;
        const lastOffset = firstOffset + append.offsetCount - 1;
        if (this.host.active().shouldRoll(append.sizeInBytes, lastOffset, append.nowMs, rollConfig(config))) {
          await this.commitChunk(chunk, chunkBytes, offset);
          chunk = [];
          chunkBytes = 0;
          mark = null;
          await this.host.roll(firstOffset);
        }
        const segment = this.host.active();
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
        this.host.logger.info({ failingMs: this.host.clock.now() - this.noSpaceSinceMs }, 'disk space is back; appends resumed');
        this.noSpaceSinceMs = null;
      }
    } catch (err) {
      const failure = err instanceof KafkaStorageError ? err : new KafkaStorageError('append', this.host.dir, { cause: err });
      // `chunk` is planned into the active segment but not written (the roll that may have failed
      // comes after its commit), so undoing it restores the log as of the last commit.
      if (this.failed === null && isRecoverable(failure) && (mark === null || (await this.undoChunk(mark)))) {
        if (this.noSpaceSinceMs === null) {
          this.noSpaceSinceMs = this.host.clock.now();
          const msg = isNoSpaceError(failure) ? 'no space left for appends; failing them until space is freed' : 'no file descriptor for appends; failing them until one is free';
          this.host.logger.warn({ err: failure }, msg);
        }
        for (const append of round) if (append.seq > this.committedSeq) append.reject(failure);
        this.rejectSeqWaiters(failure);
        return;
      }
      this.failPermanently(failure);
      for (const append of round) if (append.seq > this.committedSeq) append.reject(this.failed);
    }
  }

  /** Rolls back a chunk whose write failed; false (the log is then failed for good) when the cut fails. */
  private async undoChunk(mark: SegmentAppendMark): Promise<boolean> {
    try {
      await this.host.active().rollbackAppend(mark);
      return true;
    } catch (err) {
      this.host.logger.error({ err }, 'could not cut a failed write off the active segment');
      return false;
    }
  }

  /**
   * Fails the log for good (see the class doc): queued appends and waiting syncs are rejected
   * with `err`, later ones with the same error. Reads go on. Returns the log's failure: the
   * first one, when it had failed already.
   */
  failPermanently(err: KafkaStorageError): KafkaStorageError {
    if (this.failed !== null) return this.failed;
    this.failed = err;
    this.host.logger.error({ err }, 'partition log failed; it accepts no more appends until the broker restarts');
    for (const append of this.queue) append.reject(err);
    this.queue = [];
    this.rejectSeqWaiters(err);
    return err;
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
    this.host.logger.debug({ producerId: append.producer!.producerId, firstSeq: original.firstSeq, firstOffset: original.firstOffset }, 'duplicate batch answered with its original offsets');
    if (original.lastOffset < this.host.logEndOffset()) {
      append.resolve(appendInfoOf(append, this.host.config(), this.host.logStartOffset()));
    } else {
      chunk.push(append);
    }
    return false;
  }

  /** Writes a chunk of appends to the active segment and makes them visible. */
  private async commitChunk(chunk: PendingAppend[], bytes: number, endOffset: number): Promise<void> {
    if (chunk.length === 0) return;
    const segment = this.host.active();
    if (bytes > 0) {
      await segment.write(
        chunk.filter((a) => a.duplicateOf === undefined).map((a) => a.records),
        bytes,
      );
      this.host.flusher().markDirty(segment);
    }
    this.host.setLogEndOffset(endOffset);
    for (const a of chunk) {
      if (a.producerUpdate !== undefined) this.host.producers().apply(a.producerUpdate, a.nowMs);
      // After the write: an entry must never name offsets a failed write gave back.
      if (a.leaderEpoch !== undefined && a.duplicateOf === undefined) this.host.epochCache.assignIfNewer(a.leaderEpoch, a.baseOffset);
      if (a.follower !== undefined) {
        for (const update of a.follower.producerUpdates) this.host.producers().replay(update, a.nowMs);
        for (const e of a.follower.epochStarts) this.host.epochCache.assignIfNewer(e.epoch, e.startOffset);
      }
    }
    for (const a of chunk) {
      a.resolve(appendInfoOf(a, this.host.config(), this.host.logStartOffset()));
    }
    this.markSettled(chunk[chunk.length - 1]!.seq);
    this.host.notifyListeners();
  }
}
