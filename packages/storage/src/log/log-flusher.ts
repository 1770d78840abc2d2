import { isRecoverable, KafkaStorageError } from '../errors.js';
import { fsyncDir } from '../io/disk.js';
import type { LogSegment } from '../segment/log-segment.js';
import { GroupCommit } from './group-commit.js';

/** What a {@link LogFlusher} needs of its partition log, read when a flush starts. */
export interface FlushedLog {
  /** The partition directory (fsynced after segment files were created, renamed or removed). */
  readonly dir: string;
  /** The active segment now: its indexes are not synced (rebuilt from the log after a crash). */
  activeSegment(): LogSegment;
  /** The log end offset now: everything below it is durable once the flush succeeds. */
  logEndOffset(): number;
  /**
   * Called with a failure a retry cannot cure (a failed fdatasync, an EIO write); returns the
   * error the log now answers everything with.
   */
  failPermanently(err: KafkaStorageError): KafkaStorageError;
  /**
   * Writes partition metadata that must be on disk before the recovery point passes the offsets
   * it describes (the leader epoch checkpoint, see `LeaderEpochCache`), or returns null when none
   * changed. Called when a round starts, in the same step that reads its target.
   */
  flushMetadata(): Promise<void> | null;
}

/**
 * The durability side of a partition log (Kafka `UnifiedLog.flush` with group commit): which
 * segments hold unsynced bytes, whether the directory needs an fsync, and the recovery point
 * below which everything is on disk. One flush round at a time; callers that arrive meanwhile
 * share the next (see {@link GroupCommit}).
 *
 * Concurrency: event loop only; the append path marks segments dirty between rounds.
 */
export class LogFlusher {
  private readonly dirty = new Set<LogSegment>();
  /**
   * Starts true: the loader may have created files (a new partition's first segment) or removed
   * some without fsyncing the directory, and a synced record in a file whose name is not durable
   * is lost at a power cut. One directory fsync per partition open, at its first sync.
   */
  private dirDirty = true;
  /** The log end offset when the round in flight started: it makes every offset below durable. */
  private flushingTarget = -1;
  private recoveryPointOffset: number;
  /** Bumped by {@link truncatedTo}: a round that started before a truncation must not raise the recovery point. */
  private truncations = 0;
  private readonly groupCommit = new GroupCommit(() => this.flushDirty());

  constructor(
    private readonly log: FlushedLog,
    /** Offset below which the log is known durable (from loading). */
    recoveryPoint: number,
  ) {
    this.recoveryPointOffset = recoveryPoint;
  }

  /** Offset below which the log is fsynced (written to `recovery-point-offset-checkpoint`). */
  get recoveryPoint(): number {
    return this.recoveryPointOffset;
  }

  /** `segment` got bytes (or, when rolled, index entries) that the next round must sync. */
  markDirty(segment: LogSegment): void {
    this.dirty.add(segment);
  }

  /** A segment file was created, renamed or removed: the next round fsyncs the directory. */
  markDirDirty(): void {
    this.dirDirty = true;
  }

  /**
   * The log was cut at `offset` (truncation): the recovery point drops to it, and a round in
   * flight, whose target was the old log end, leaves it there.
   */
  truncatedTo(offset: number): void {
    this.recoveryPointOffset = Math.min(this.recoveryPointOffset, offset);
    this.truncations++;
  }

  /**
   * The log was emptied and restarts at `offset`: nothing below it exists, so the recovery point
   * is `offset` (Kafka `truncateFullyAndStartAt`).
   */
  restartedAt(offset: number): void {
    this.recoveryPointOffset = offset;
    this.truncations++;
  }

  /** `segment` left the log: nothing of it needs syncing any more. */
  forget(segment: LogSegment): void {
    this.dirty.delete(segment);
  }

  /**
   * Resolves when every offset up to `throughOffset` (already written) is durable: at once below
   * the recovery point, with the round in flight when that round covers it, else with the next.
   * Rejects with KafkaStorageError (→ 56) when that round fails.
   */
  syncWritten(throughOffset: number): Promise<void> {
    if (throughOffset < this.recoveryPointOffset) return Promise.resolve();
    const running = this.groupCommit.current;
    if (running !== null && throughOffset < this.flushingTarget) return running;
    return this.groupCommit.request();
  }

  /** A round that starts after this call (or is the next one); rejects when it fails. */
  syncAll(): Promise<void> {
    return this.groupCommit.request();
  }

  private async flushDirty(): Promise<void> {
    const active = this.log.activeSegment();
    const segments = [...this.dirty].filter((s) => !s.isDeleted);
    this.dirty.clear();
    const dirDirty = this.dirDirty;
    this.dirDirty = false;
    const target = this.log.logEndOffset();
    const truncations = this.truncations;
    this.flushingTarget = target;
    const metadata = this.log.flushMetadata();
    // allSettled: a failed fdatasync must be seen even when another operation failed first.
    const results: PromiseSettledResult<unknown>[] = await Promise.allSettled([
      ...segments.flatMap((s) => (s === active ? [s.syncLog()] : [s.syncLog(), s.flushAndSyncIndexes()])),
      ...(metadata === null ? [] : [metadata]),
    ]);
    if (dirDirty && !results.some((r) => r.status === 'rejected')) {
      results.push(...(await Promise.allSettled([fsyncDir(this.log.dir)])));
    }
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (errors.length > 0) {
      for (const s of segments) this.dirty.add(s);
      this.dirDirty ||= dirDirty;
      const fatal = errors.find((e) => !(e instanceof KafkaStorageError) || !isRecoverable(e));
      if (fatal !== undefined) {
        throw this.log.failPermanently(fatal instanceof KafkaStorageError ? fatal : new KafkaStorageError('sync', this.log.dir, { cause: fatal }));
      }
      throw errors[0];
    }
    if (truncations === this.truncations) this.recoveryPointOffset = Math.max(this.recoveryPointOffset, target);
  }
}
