import { writeLeaderEpochCheckpoint, type EpochEntry } from './leader-epoch-checkpoint.js';

export type { EpochEntry } from './leader-epoch-checkpoint.js';

/** Kafka's UNDEFINED_EPOCH: no leader epoch known. */
export const UNDEFINED_EPOCH = -1;
/** Kafka's UNDEFINED_EPOCH_OFFSET: no end offset known. */
export const UNDEFINED_EPOCH_OFFSET = -1;

/** Answer of {@link LeaderEpochCache.endOffsetFor} (an OffsetsForLeaderEpoch partition result). */
export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

/**
 * The leader epoch cache of one partition (Kafka `LeaderEpochFileCache`, KIP-101/KIP-279): which
 * leader epoch started writing at which offset, ascending in both, persisted as
 * `leader-epoch-checkpoint` (leader-epoch-checkpoint.ts). Followers use it to truncate to the
 * point where their log diverged from the leader's (OffsetsForLeaderEpoch).
 *
 * Durability, and why it is correct after kill -9 or a power cut without an fsync per append:
 * - a change only marks the cache dirty; {@link flush} writes the whole file atomically. The
 *   partition's group commit (LogFlusher) calls it in every sync round that finds the cache dirty,
 *   before that round advances the recovery point; a round's target is the log end offset at its
 *   start, and entries are assigned after their batches are written, so every entry whose
 *   startOffset is below the recovery point is in the file;
 * - at open, the file's entries below the first batch recovery walked are kept and the
 *   partitionLeaderEpoch of every batch it walked (all batches from the segment holding the
 *   recovery point on, which is all the file may lack) decides the rest (leader-epoch-loader.ts);
 *   a missing or unparseable file is rebuilt from every batch of the log;
 * - truncation writes the file before it resolves, after the log itself is cut durably.
 * So the cache and the log agree after any crash, and a write that fails leaves the cache dirty
 * (the next round retries; the round fails, so the recovery point does not advance).
 *
 * Concurrency: event loop only; entries change from the partition's append queue (appends,
 * truncation) and at open. Writes of the file are serialized, each writing the entries current
 * when it runs, so a later write never loses to an earlier one.
 */
export class LeaderEpochCache {
  private epochs: EpochEntry[];
  private dirty: boolean;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    /** The partition directory holding `leader-epoch-checkpoint`. */
    private readonly dir: string,
    entries: readonly EpochEntry[] = [],
    /** Whether `entries` differ from the file (e.g. rebuilt from the log, or no file). */
    dirty = false,
  ) {
    this.epochs = [...entries];
    this.dirty = dirty;
  }

  /** The entries, ascending (a copy). */
  entries(): readonly EpochEntry[] {
    return [...this.epochs];
  }

  /** The newest epoch, or {@link UNDEFINED_EPOCH} (-1) when the cache is empty. */
  get latestEpoch(): number {
    return this.epochs.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  /** Whether the cache has changes not yet written by {@link flush}. */
  get isDirty(): boolean {
    return this.dirty;
  }

  /**
   * Records that `epoch` starts at `startOffset` (Kafka `LeaderEpochFileCache.assign`). No change
   * when `epoch` is the latest and starts no earlier. Otherwise entries that would break the
   * ordering (epoch >= `epoch`, or startOffset >= `startOffset`) are removed from the end first,
   * so re-assigning the epochs of a replayed log in order repairs a stale tail. Returns whether
   * the cache changed. Throws RangeError for a negative epoch or offset (a bug).
   */
  assign(epoch: number, startOffset: number): boolean {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RangeError(`invalid leader epoch entry (${epoch}, ${startOffset})`);
    }
    const latest = this.epochs.at(-1);
    if (latest !== undefined && latest.epoch === epoch && startOffset >= latest.startOffset) return false;
    let keep = this.epochs.length;
    while (keep > 0 && (this.epochs[keep - 1]!.epoch >= epoch || this.epochs[keep - 1]!.startOffset >= startOffset)) keep--;
    this.epochs = [...this.epochs.slice(0, keep), { epoch, startOffset }];
    this.dirty = true;
    return true;
  }

  /**
   * {@link assign} only when `epoch` is newer than the latest (the append path: Kafka's leader
   * and follower appends only ever move the epoch forward). A negative epoch (a batch nobody
   * stamped) is ignored. Returns whether the cache changed.
   */
  assignIfNewer(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || epoch <= this.latestEpoch) return false;
    return this.assign(epoch, startOffset);
  }

  /**
   * Removes the entries with startOffset >= `endOffset` (Kafka `truncateFromEnd`): the log was
   * cut at `endOffset`, so those epochs wrote nothing that is left.
   */
  truncateFromEnd(endOffset: number): void {
    const keep = this.epochs.findIndex((e) => e.startOffset >= endOffset);
    if (keep < 0) return;
    this.epochs = this.epochs.slice(0, keep);
    this.dirty = true;
  }

  /**
   * The log now starts at `startOffset` (Kafka `truncateFromStart`): entries wholly below it are
   * removed and the one covering it now starts there, so an epoch still holding data keeps its
   * entry.
   */
  truncateFromStart(startOffset: number): void {
    let covering = -1;
    for (let i = 0; i < this.epochs.length && this.epochs[i]!.startOffset <= startOffset; i++) covering = i;
    if (covering < 0) return;
    const entry = this.epochs[covering]!;
    if (covering === 0 && entry.startOffset === startOffset) return;
    this.epochs = [{ epoch: entry.epoch, startOffset }, ...this.epochs.slice(covering + 1)];
    this.dirty = true;
  }

  /** Removes every entry (the log was emptied). */
  clear(): void {
    this.epochs = [];
    this.dirty = true;
  }

  /**
   * The end offset of `requestedEpoch` for a log ending at `logEndOffset` (Kafka
   * `LeaderEpochFileCache.endOffsetFor`, the OffsetsForLeaderEpoch answer):
   * - UNDEFINED_EPOCH (-1) requested, an empty cache, or an epoch above the latest →
   *   (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET) = (-1, -1);
   * - the latest epoch → (latest, `logEndOffset`): it is still being written to;
   * - an epoch below the first entry → (requestedEpoch, startOffset of the first entry): that
   *   data was removed from the log; the follower replicates from there (Kafka does the same);
   * - otherwise → (the largest cached epoch <= requested, startOffset of the next larger epoch).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const latest = this.epochs.at(-1);
    if (requestedEpoch === UNDEFINED_EPOCH || latest === undefined) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === latest.epoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.epochs.findIndex((e) => e.epoch > requestedEpoch);
    if (higher < 0) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const higherEntry = this.epochs[higher]!;
    if (higher === 0) return { leaderEpoch: requestedEpoch, endOffset: higherEntry.startOffset };
    return { leaderEpoch: this.epochs[higher - 1]!.epoch, endOffset: higherEntry.startOffset };
  }

  /**
   * Writes the file if the cache is dirty (see the class doc); resolves when the entries current
   * at the write are durable.
   *
   * @throws KafkaStorageError (→ 56) on I/O failure; the cache stays dirty.
   */
  flush(): Promise<void> {
    const run = this.writes.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await writeLeaderEpochCheckpoint(this.dir, this.epochs);
      } catch (err) {
        this.dirty = true;
        throw err;
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }
}
