import { ErrorCode } from '@sluice/protocol';
import type { Logger } from 'pino';
import { NotCoordinatorForPartitionError, OFFSETS_TOPIC_NAME, type GroupCoordinator, type GroupMetadataManager, type OffsetsReplication } from '../group/index.js';
import type { LeaderPartition } from './leader-partition.js';

/** What {@link CoordinatorOwnership} needs from the cluster. */
export interface OwnershipCluster {
  /** The leader state of a partition this broker leads at the current epoch, or undefined. */
  leaderPartition(topic: string, partition: number): LeaderPartition | undefined;
}

/**
 * Cluster mode: which consumer groups this broker coordinates. A group's coordinator is the
 * leader of its `__consumer_offsets` partition (Kafka's `GroupCoordinator.onElection` /
 * `onResignation`): on becoming that leader the broker replays the partition into the offset
 * store and restores its groups; on losing it, it drops them (parked joins get NOT_COORDINATOR).
 * Group requests for a partition being loaded get COORDINATOR_LOAD_IN_PROGRESS (14), for one led
 * elsewhere NOT_COORDINATOR (16), so clients look the coordinator up again.
 *
 * It is also the store's {@link OffsetsReplication}: writes carry the leader epoch and are
 * answered once below the high watermark (on every ISR member's disk), within
 * `offsets.commit.timeout.ms`.
 *
 * Concurrency: event loop only; the load and unload of one partition run one after another.
 */
export class CoordinatorOwnership implements OffsetsReplication {
  private readonly owned = new Set<number>();
  private readonly loading = new Set<number>();
  private readonly chains = new Map<number, Promise<void>>();
  private services: { coordinator: GroupCoordinator; store: GroupMetadataManager } | null = null;
  /** Leadership changes seen before the group services existed, replayed by `bind`. */
  private readonly early = new Map<number, boolean>();

  constructor(
    private readonly cluster: OwnershipCluster,
    private readonly commitTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Attaches the group services (opened after the cluster node); replays leaderships seen before. */
  bind(coordinator: GroupCoordinator, store: GroupMetadataManager): void {
    this.services = { coordinator, store };
    for (const [partition, leading] of this.early) this.onLeadership(partition, leading);
    this.early.clear();
  }

  /** The ReplicaManager's report for a `__consumer_offsets` partition: this broker now leads it, or stopped. */
  onLeadership(partition: number, leading: boolean): void {
    if (this.services === null) {
      this.early.set(partition, leading);
      return;
    }
    const { coordinator, store } = this.services;
    if (leading) this.loading.add(partition);
    else this.owned.delete(partition);
    const previous = this.chains.get(partition) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (!leading) {
        const dropped = coordinator.unloadGroupsOf(partition);
        store.unloadPartition(partition);
        if (dropped > 0) this.logger.info({ partition, groups: dropped }, 'unloaded the groups of a __consumer_offsets partition led elsewhere now');
        return;
      }
      if (this.cluster.leaderPartition(OFFSETS_TOPIC_NAME, partition) === undefined) return; // lost it again meanwhile
      const started = Date.now();
      try {
        const loaded = await store.loadPartition(partition);
        const groups = coordinator.loadGroupsOf(partition);
        this.owned.add(partition);
        if (loaded.records > 0) this.logger.info({ partition, groups, records: loaded.records, ms: Date.now() - started }, 'loaded the groups of a __consumer_offsets partition');
      } catch (err) {
        this.logger.error({ err, partition }, 'could not load a __consumer_offsets partition; its groups are not coordinated here');
      } finally {
        this.loading.delete(partition);
      }
    });
    this.chains.set(partition, next);
  }

  /**
   * NONE when this broker coordinates `groupId` now; COORDINATOR_LOAD_IN_PROGRESS (14) while its
   * partition loads; NOT_COORDINATOR (16) otherwise.
   */
  coordinatorError(groupId: string): number {
    if (this.services === null) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const partition = this.services.store.partitionFor(groupId);
    if (this.loading.has(partition)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.owned.has(partition) && this.cluster.leaderPartition(OFFSETS_TOPIC_NAME, partition) !== undefined) return ErrorCode.NONE;
    return ErrorCode.NOT_COORDINATOR;
  }

  leaderEpoch(partition: number): number {
    const leader = this.cluster.leaderPartition(OFFSETS_TOPIC_NAME, partition);
    if (leader === undefined || !this.owned.has(partition)) throw new NotCoordinatorForPartitionError(partition, 'this broker does not lead it');
    return leader.leaderEpoch;
  }

  async waitCommitted(partition: number, lastOffset: number): Promise<void> {
    const leader = this.cluster.leaderPartition(OFFSETS_TOPIC_NAME, partition);
    if (leader === undefined) throw new NotCoordinatorForPartitionError(partition, 'leadership moved before the write was replicated');
    const errorCode = await leader.waitForHighWatermark(lastOffset, this.commitTimeoutMs);
    if (errorCode !== ErrorCode.NONE) throw new NotCoordinatorForPartitionError(partition, `the write was not replicated to the ISR (error ${errorCode})`);
  }
}
