import type { LogManager, PartitionLog } from '@sluice/storage';
import type { Logger } from 'pino';
import { partitionKey } from './etcd-keys.js';
import { LeaderPartition } from './leader-partition.js';
import type { ClusterSnapshot, MetadataStore } from './metadata-store.js';
import { ReplicaFetcher, type ReplicaFetcherOptions } from './replica-fetcher.js';

/** What a {@link ReplicaManager} needs from its broker. */
export interface ReplicaManagerOptions {
  readonly nodeId: number;
  readonly store: MetadataStore;
  readonly logs: LogManager;
  /** Resolves once the local logs of `topic` are open (ClusterNode opens whole topics). */
  readonly opened: (topic: string) => Promise<void>;
  /** Whether this broker holds a live registration (a broker whose lease was lost must not lead). */
  readonly isRegistered: () => boolean;
  /** `replica.lag.time.max.ms`. */
  readonly replicaLagTimeMaxMs: number;
  readonly fetcher: Omit<ReplicaFetcherOptions, 'nodeId' | 'logger' | 'advanceLogStartOffset'>;
  readonly logger: Logger;
  /** Told when this broker starts (true) or stops (false) leading a partition (the group coordinator follows `__consumer_offsets`). */
  readonly onLeadership?: (topic: string, partition: number, leading: boolean) => void;
}

/** This broker's role for one partition, as last made effective. */
type Role = { readonly kind: 'leader'; readonly leader: LeaderPartition } | { readonly kind: 'follower'; readonly leaderId: number; readonly leaderEpoch: number } | { readonly kind: 'none' };

/**
 * Makes this broker the leader or a follower of each partition it holds a replica of, as the
 * metadata says (Kafka `ReplicaManager.becomeLeaderOrFollower`, driven by etcd snapshots instead
 * of LeaderAndIsr requests):
 * - leader at epoch E: a {@link LeaderPartition} tracks followers, the high watermark and ISR
 *   changes; Produce, Fetch and ListOffsets are served only once it exists.
 * - follower of broker L at epoch E: the partition is handed to the {@link ReplicaFetcher} of L
 *   (one per leader), which settles divergence and copies L's log.
 * - no leader (offline): neither.
 *
 * Every partition's log runs with a replicated high watermark (the smallest log end offset in
 * the ISR), so consumers never read what the ISR does not hold.
 *
 * Transitions of one partition run one after another (a chain per partition), and a new role
 * starts only once the old one stopped (a follower's in-flight append finished before it leads).
 *
 * Concurrency: event loop only.
 */
export class ReplicaManager {
  private readonly roles = new Map<string, Role>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private snapshot: ClusterSnapshot | null = null;
  private readonly shrinkTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: ReplicaManagerOptions) {
    // Kafka checks every replica.lag.time.max.ms / 2.
    this.shrinkTimer = setInterval(() => this.shrinkIsrs(), Math.max(Math.floor(options.replicaLagTimeMaxMs / 2), 10));
    this.shrinkTimer.unref();
  }

  /** The leader state of a partition this broker leads right now, or undefined. */
  leaderPartition(topic: string, partition: number): LeaderPartition | undefined {
    const role = this.roles.get(partitionKey(topic, partition));
    return role?.kind === 'leader' ? role.leader : undefined;
  }

  /** Applies a new snapshot: schedules a transition for every partition whose role may change. */
  onSnapshot(snapshot: ClusterSnapshot): void {
    if (this.closed) return;
    this.snapshot = snapshot;
    const { nodeId } = this.options;
    for (const topic of snapshot.topics.values()) {
      topic.replicas.forEach((replicas, partition) => {
        if (replicas.includes(nodeId)) this.schedule(topic.name, partition);
      });
    }
  }

  /** Re-checks every partition (after this broker registered again). */
  refresh(): void {
    if (this.snapshot !== null) this.onSnapshot(this.snapshot);
  }

  private schedule(topic: string, partition: number): void {
    const k = partitionKey(topic, partition);
    const previous = this.chains.get(k) ?? Promise.resolve();
    const next = previous
      .then(() => this.reconcile(topic, partition))
      .catch((err: unknown) => this.options.logger.error({ err, topic, partition }, 'partition role change failed'));
    this.chains.set(k, next);
  }

  private async reconcile(topic: string, partition: number): Promise<void> {
    const snapshot = this.snapshot;
    if (this.closed || snapshot === null) return;
    const k = partitionKey(topic, partition);
    const state = snapshot.partitions.get(k);
    const assignment = snapshot.topics.get(topic);
    if (state === undefined || assignment === undefined) return;
    await this.options.opened(topic);
    const log = this.options.logs.getPartition(topic, partition);
    if (log === undefined) return;
    log.useReplicatedHighWatermark();
    const { nodeId } = this.options;
    const role = this.roles.get(k) ?? { kind: 'none' };
    const { leader, leaderEpoch } = state.value;
    if (leader === nodeId && this.options.isRegistered()) {
      if (role.kind === 'leader' && role.leader.leaderEpoch === leaderEpoch) {
        role.leader.updateState(state);
        return;
      }
      await this.stop(topic, partition, role);
      const leading = new LeaderPartition(
        { topic, partition, log, replicas: assignment.replicas[partition]!, nodeId, store: this.options.store, replicaLagTimeMaxMs: this.options.replicaLagTimeMaxMs, logger: this.options.logger, isLive: (id) => this.snapshot?.brokers.has(id) ?? false },
        state,
      );
      this.roles.set(k, { kind: 'leader', leader: leading });
      this.options.logger.info({ topic, partition, leaderEpoch, isr: state.value.isr, logEndOffset: log.logEndOffset, highWatermark: log.highWatermark }, 'became leader');
      this.options.onLeadership?.(topic, partition, true);
      return;
    }
    if (leader < 0 || leader === nodeId) {
      // Offline, or ours while this broker is not registered: serve nothing, copy nothing.
      await this.stop(topic, partition, role);
      this.roles.set(k, { kind: 'none' });
      return;
    }
    if (role.kind === 'follower' && role.leaderId === leader && role.leaderEpoch === leaderEpoch) return;
    await this.stop(topic, partition, role);
    this.follow(leader, { topic, partition, log, leaderEpoch });
    this.roles.set(k, { kind: 'follower', leaderId: leader, leaderEpoch });
    this.options.logger.info({ topic, partition, leader, leaderEpoch, logEndOffset: log.logEndOffset }, 'became follower');
  }

  private follow(leaderId: number, followed: { topic: string; partition: number; log: PartitionLog; leaderEpoch: number }): void {
    let fetcher = this.fetchers.get(leaderId);
    if (fetcher === undefined) {
      fetcher = new ReplicaFetcher(
        leaderId,
        () => {
          const broker = this.snapshot?.brokers.get(leaderId);
          return broker === undefined ? undefined : { host: broker.host, port: broker.port };
        },
        {
          ...this.options.fetcher,
          nodeId: this.options.nodeId,
          logger: this.options.logger.child({ component: 'replica-fetcher', leader: leaderId }),
          advanceLogStartOffset: async (topic, partition, offset) => void (await this.options.logs.deleteRecords(topic, partition, offset)),
        },
      );
      this.fetchers.set(leaderId, fetcher);
    }
    fetcher.add(followed);
  }

  /** Ends a role: a leader stops answering (waiters get NOT_LEADER_OR_FOLLOWER), a follower stops copying. */
  private async stop(topic: string, partition: number, role: Role): Promise<void> {
    if (role.kind === 'leader') {
      role.leader.close();
      this.options.onLeadership?.(topic, partition, false);
    }
    if (role.kind === 'follower') {
      const fetcher = this.fetchers.get(role.leaderId);
      if (fetcher !== undefined) {
        await fetcher.remove(topic, partition);
        if (fetcher.size === 0) {
          this.fetchers.delete(role.leaderId);
          await fetcher.close();
        }
      }
    }
    this.roles.set(partitionKey(topic, partition), { kind: 'none' });
  }

  /**
   * Controlled shutdown (Kafka `ControlledShutdown`, done by the leader itself by compare-and-swap):
   * hands every partition this broker leads to the first other replica that is live and in the
   * ISR, with the leader epoch bumped and this broker out of the ISR, so clients move at once
   * instead of waiting for the lease to expire. Partitions with no such replica stay (they go
   * offline when the broker leaves). Waiting produces get NOT_LEADER_OR_FOLLOWER and retry on the
   * new leader. Returns how many partitions moved.
   */
  async resignLeaderships(): Promise<number> {
    const live = new Set(this.snapshot?.brokers.keys() ?? []);
    const { nodeId, store, logger } = this.options;
    let moved = 0;
    // Taken before the first write: each handover's snapshot makes reconcile() drop the leader roles
    // of this no longer registered broker, which must not hide the partitions not yet handed over.
    const leaders = [...this.roles].flatMap(([k, role]) => (role.kind === 'leader' ? [{ k, leading: role.leader }] : []));
    for (const { k, leading } of leaders) {
      const { value: state, modRevision } = leading.versionedState;
      const successor = leading.replicas.find((r) => r !== nodeId && live.has(r) && state.isr.includes(r));
      if (successor === undefined) continue;
      const next = { leader: successor, leaderEpoch: state.leaderEpoch + 1, isr: state.isr.filter((r) => r !== nodeId), partitionEpoch: state.partitionEpoch + 1 };
      const { topic, partition } = leading;
      try {
        const result = await store.updatePartitionState(topic, partition, modRevision, next);
        if (result.kind !== 'ok') {
          logger.warn({ topic, partition, modRevision, state }, 'controlled shutdown: partition state changed meanwhile; not handed over');
          continue;
        }
        leading.close();
        const current = this.roles.get(k);
        if (current?.kind === 'leader' && current.leader === leading) this.roles.set(k, { kind: 'none' });
        this.options.onLeadership?.(topic, partition, false);
        moved++;
        logger.info({ topic, partition, successor, leaderEpoch: next.leaderEpoch }, 'controlled shutdown: handed leadership over');
      } catch (err) {
        logger.warn({ err, topic, partition }, 'controlled shutdown: could not hand leadership over');
      }
    }
    return moved;
  }

  /**
   * A topic was deleted: every role this broker had for its `partitions` stops (leaders answer
   * waiting produces NOT_LEADER_OR_FOLLOWER, fetchers finish any append in flight), before its
   * local logs are deleted.
   */
  async stopTopic(topic: string, partitions: number): Promise<void> {
    for (let p = 0; p < partitions; p++) {
      const k = partitionKey(topic, p);
      const chain = this.chains.get(k) ?? Promise.resolve();
      const done = chain.then(() => this.stop(topic, p, this.roles.get(k) ?? { kind: 'none' }));
      this.chains.set(k, done.catch(() => undefined));
      await done;
      this.roles.delete(k);
      this.chains.delete(k);
    }
  }

  private shrinkIsrs(): void {
    for (const role of this.roles.values()) if (role.kind === 'leader') role.leader.maybeShrinkIsr();
  }

  /** Stops every role and fetcher. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.shrinkTimer);
    for (const role of this.roles.values()) if (role.kind === 'leader') role.leader.close();
    await Promise.all([...this.fetchers.values()].map((f) => f.close()));
    this.fetchers.clear();
  }
}
