import { ErrorCode } from '@sluice/protocol';
import type { PartitionLog } from '@sluice/storage';
import type { Logger } from 'pino';
import type { MetadataStore, PartitionState, Versioned } from './metadata-store.js';

/** What the leader knows of one follower (Kafka `Replica`'s fetch state). */
interface FollowerState {
  /** The follower's log end offset: the fetch offset of its last Fetch; -1 until it fetched. */
  logEndOffset: number;
  /** Last time the follower was caught up with the leader's log end (ms); ISR shrink compares it. */
  lastCaughtUpTimeMs: number;
  /** The leader's log end offset when the follower's previous Fetch arrived. */
  lastFetchLeaderLogEndOffset: number;
  /** When the follower's previous Fetch arrived (ms). */
  lastFetchTimeMs: number;
}

/** An acks=-1 produce waiting for the high watermark to pass its last offset. */
interface HighWatermarkWaiter {
  readonly offset: number;
  readonly resolve: (errorCode: number) => void;
  readonly timer: NodeJS.Timeout;
}

/** What a {@link LeaderPartition} needs from its broker. */
export interface LeaderPartitionOptions {
  readonly topic: string;
  readonly partition: number;
  readonly log: PartitionLog;
  readonly replicas: readonly number[];
  readonly nodeId: number;
  readonly store: MetadataStore;
  /** `replica.lag.time.max.ms`. */
  readonly replicaLagTimeMaxMs: number;
  readonly logger: Logger;
  /** Whether a broker is live (registered): only a live follower joins the ISR (REPLICATION.md, re-joining the ISR). */
  readonly isLive: (nodeId: number) => boolean;
  readonly now?: () => number;
}

/**
 * A partition this broker leads at one leader epoch (Kafka `Partition` in its leader role):
 * it tracks each follower's log end offset from their Fetch requests, moves the high watermark
 * to the smallest log end offset in the ISR, answers acks=-1 produces once the high watermark
 * passes them, and changes the ISR (expand when a follower caught up, shrink when one lagged
 * `replica.lag.time.max.ms`) by compare-and-swap on the partition's key in the metadata store.
 *
 * A follower's log end offset counts only what it fdatasynced: followers sync what they fetched
 * before sending the Fetch that reports it, so a high watermark at N means offsets below N are
 * on the disk of every ISR member, and an acks=-1 answer promises exactly that.
 *
 * A lost compare-and-swap means the controller or a newer leader changed the state: nothing is
 * retried; the next snapshot decides (a replaced leader is dropped by the ReplicaManager).
 *
 * Concurrency: event loop only. One instance per leader epoch; `close()` answers every waiter
 * with NOT_LEADER_OR_FOLLOWER.
 */
export class LeaderPartition {
  private current: Versioned<PartitionState>;
  private readonly followers = new Map<number, FollowerState>();
  private waiters: HighWatermarkWaiter[] = [];
  /** An ISR change written and not yet seen in a snapshot (no other is written meanwhile), or null. */
  private pendingIsr: readonly number[] | null = null;
  private closed = false;
  /** An ISR change lost its compare-and-swap: the state moved under this leader; nothing advances until a snapshot says it still leads. */
  private suspended = false;
  /** The log end offset when this leader epoch began: a follower joins the ISR only past it (Kafka's rule). */
  readonly leaderEpochStartOffset: number;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly options: LeaderPartitionOptions,
    state: Versioned<PartitionState>,
  ) {
    this.current = state;
    this.now = options.now ?? Date.now;
    this.leaderEpochStartOffset = options.log.logEndOffset;
    const now = this.now();
    for (const replica of options.replicas) {
      if (replica === options.nodeId) continue;
      // ISR members count as caught up at election (Kafka does the same), so they get a full lag period.
      this.followers.set(replica, { logEndOffset: -1, lastCaughtUpTimeMs: now, lastFetchLeaderLogEndOffset: -1, lastFetchTimeMs: now });
    }
    // Every local append (produce or group write) may move the high watermark: with the ISR down
    // to this broker alone it follows the log end at once.
    this.unsubscribe = options.log.onAppend(() => this.maybeAdvanceHighWatermark());
    this.maybeAdvanceHighWatermark();
  }

  /** The leader epoch this instance leads at. */
  get leaderEpoch(): number {
    return this.current.value.leaderEpoch;
  }

  /** The partition state as last seen (leader, epoch, ISR). */
  get state(): PartitionState {
    return this.current.value;
  }

  /** The state with the etcd revision it was read at (for a compare-and-swap by the ReplicaManager). */
  get versionedState(): Versioned<PartitionState> {
    return this.current;
  }

  /** The replicas of the partition, preferred leader first. */
  get replicas(): readonly number[] {
    return this.options.replicas;
  }

  /** The topic led. */
  get topic(): string {
    return this.options.topic;
  }

  /** The partition index led. */
  get partition(): number {
    return this.options.partition;
  }

  /** The log led. */
  get log(): PartitionLog {
    return this.options.log;
  }

  /** A newer snapshot of this partition's state at the same leader epoch (an ISR change landed). */
  updateState(state: Versioned<PartitionState>): void {
    if (state.modRevision <= this.current.modRevision) return;
    this.current = state;
    this.pendingIsr = null;
    this.suspended = false;
    this.maybeAdvanceHighWatermark();
    this.checkWaiters();
  }

  /**
   * A follower's Fetch arrived asking from `fetchOffset` (Kafka `Replica.updateFetchState`):
   * records its log end offset and caught-up time, may add it to the ISR, and moves the high
   * watermark. Returns false when `replicaId` is not a replica of this partition.
   */
  onFollowerFetch(replicaId: number, fetchOffset: number): boolean {
    const follower = this.followers.get(replicaId);
    if (follower === undefined) return false;
    const now = this.now();
    const leaderEnd = this.options.log.logEndOffset;
    if (fetchOffset >= leaderEnd) follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, now);
    else if (fetchOffset >= follower.lastFetchLeaderLogEndOffset) follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, follower.lastFetchTimeMs);
    follower.lastFetchLeaderLogEndOffset = leaderEnd;
    follower.lastFetchTimeMs = now;
    follower.logEndOffset = fetchOffset;
    this.maybeExpandIsr(replicaId, follower);
    this.maybeAdvanceHighWatermark();
    return true;
  }

  /**
   * Waits until the high watermark passes `lastOffset` (Kafka `DelayedProduce`). Resolves with
   * NONE (0); NOT_ENOUGH_REPLICAS_AFTER_APPEND (20) when the ISR is (or falls) below
   * `min.insync.replicas` first (the high watermark does not advance then, KIP-966); REQUEST_TIMED_OUT (7) after `timeoutMs`;
   * NOT_LEADER_OR_FOLLOWER (6) when this broker stopped leading at this epoch.
   */
  waitForHighWatermark(lastOffset: number, timeoutMs: number): Promise<number> {
    if (this.closed) return Promise.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (this.options.log.highWatermark > lastOffset) return Promise.resolve(ErrorCode.NONE);
    if (this.isrTooSmall()) return Promise.resolve(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
    return new Promise((resolve) => {
      const waiter: HighWatermarkWaiter = {
        offset: lastOffset,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(ErrorCode.REQUEST_TIMED_OUT);
        }, Math.max(timeoutMs, 0)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Removes followers that lagged `replica.lag.time.max.ms` from the ISR (Kafka `maybeShrinkIsr`). */
  maybeShrinkIsr(): void {
    if (this.closed || this.pendingIsr !== null) return;
    const now = this.now();
    const { isr } = this.current.value;
    const lagging = isr.filter((r) => {
      const f = this.followers.get(r);
      return f !== undefined && now - f.lastCaughtUpTimeMs > this.options.replicaLagTimeMaxMs;
    });
    if (lagging.length === 0) return;
    this.writeIsr(
      isr.filter((r) => !lagging.includes(r)),
      { lagging, replicaLagTimeMaxMs: this.options.replicaLagTimeMaxMs },
      'shrinking the ISR: followers lagged',
    );
  }

  /** Stops leading at this epoch: every waiting produce gets NOT_LEADER_OR_FOLLOWER (6). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
  }

  private maybeExpandIsr(replicaId: number, follower: FollowerState): void {
    if (this.closed || this.pendingIsr !== null) return;
    const { isr } = this.current.value;
    if (isr.includes(replicaId)) return;
    const log = this.options.log;
    if (follower.logEndOffset < log.highWatermark || follower.logEndOffset < this.leaderEpochStartOffset) return;
    // A follower whose registration lapsed (frozen, cut off from etcd) still fetches; the controller would drop it again at once.
    if (!this.options.isLive(replicaId)) return;
    this.writeIsr([...isr, replicaId], { joining: replicaId, followerLogEndOffset: follower.logEndOffset }, 'expanding the ISR: follower caught up');
  }

  /**
   * The high watermark: the smallest log end offset of the ISR, this broker's included. A
   * member that has not fetched at this epoch holds it back (its log end is unknown). While an
   * ISR change is in flight both the old and the new members count (Kafka's "maximal ISR"): a
   * joining follower could otherwise be elected missing records acknowledged meanwhile.
   */
  private maybeAdvanceHighWatermark(): void {
    // KIP-966: below min.insync.replicas the high watermark stays, so the replicas that left hold every committed record.
    if (this.closed || this.suspended || this.isrTooSmall()) {
      this.checkWaiters();
      return;
    }
    const log = this.options.log;
    let hw = log.logEndOffset;
    const members = this.pendingIsr === null ? this.current.value.isr : new Set([...this.current.value.isr, ...this.pendingIsr]);
    for (const replica of members) {
      if (replica === this.options.nodeId) continue;
      const f = this.followers.get(replica);
      if (f === undefined || f.logEndOffset < 0) return;
      hw = Math.min(hw, f.logEndOffset);
    }
    if (log.updateHighWatermark(hw)) this.checkWaiters();
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const hw = this.options.log.highWatermark;
    const tooFew = this.isrTooSmall();
    const still: HighWatermarkWaiter[] = [];
    for (const waiter of this.waiters) {
      // The high watermark only advances with enough in-sync replicas; below that, the append stays unconfirmed (Kafka's DelayedProduce).
      if (waiter.offset < hw || tooFew) {
        clearTimeout(waiter.timer);
        waiter.resolve(waiter.offset < hw ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
      } else {
        still.push(waiter);
      }
    }
    this.waiters = still;
  }

  private isrTooSmall(): boolean {
    return this.current.value.isr.length < this.options.log.logConfig.minInsyncReplicas;
  }

  private writeIsr(isr: number[], detail: object, message: string): void {
    const { topic, partition, store, logger } = this.options;
    const state = this.current.value;
    const next: PartitionState = { ...state, isr, partitionEpoch: state.partitionEpoch + 1 };
    this.pendingIsr = isr;
    logger.info({ topic, partition, leaderEpoch: state.leaderEpoch, isr: state.isr, newIsr: isr, ...detail }, message);
    store.updatePartitionState(topic, partition, this.current.modRevision, next).then(
      (result) => {
        if (result.kind === 'stale') {
          // The controller (or a newer leader) changed the state first; the next snapshot decides (REPLICATION.md rule 3).
          this.pendingIsr = null;
          this.suspended = true;
          logger.warn({ topic, partition, leaderEpoch: state.leaderEpoch }, 'ISR change lost a compare-and-swap; waiting for the current state');
        }
      },
      (err: unknown) => {
        this.pendingIsr = null;
        logger.error({ err, topic, partition }, 'ISR change failed: etcd unreachable');
      },
    );
  }
}
