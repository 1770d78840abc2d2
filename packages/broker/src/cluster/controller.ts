import { ErrorCode } from '@sluice/protocol';
import type { Logger } from 'pino';
import { partitionKey } from './etcd-keys.js';
import type { ClusterSnapshot, ControllerCampaign, MetadataStore, PartitionState, TopicCreationRequest, Versioned } from './metadata-store.js';
import { electPartitionState, preferredLeaderMoves } from './partition-election.js';
import { assignReplicas } from './replica-assignment.js';

/** Wait before campaigning again after a campaign's lease was lost (ms). */
export const RECAMPAIGN_DELAY_MS = 1000;

/** Controller settings from the broker config. */
export interface ControllerSettings {
  /** `unclean.leader.election.enable`: a replica outside the ISR may lead when no ISR member lives. */
  readonly uncleanLeaderElection: boolean;
  /** `auto.leader.rebalance.enable`: move leadership back to preferred replicas. */
  readonly autoLeaderRebalance: boolean;
  /** `leader.imbalance.check.interval.seconds`, in ms. */
  readonly leaderImbalanceCheckIntervalMs: number;
  /** `leader.imbalance.per.broker.percentage`. */
  readonly leaderImbalancePerBrokerPercentage: number;
}

/** Kafka's defaults. */
export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = { uncleanLeaderElection: false, autoLeaderRebalance: true, leaderImbalanceCheckIntervalMs: 300_000, leaderImbalancePerBrokerPercentage: 10 };

/**
 * The cluster's controller (Kafka's `KafkaController`, ZooKeeper era) on this broker: it
 * campaigns through the store's election, and while elected it is the only writer of topic
 * assignments and initial partition states. Every write is a transaction fenced by the
 * controller epoch (its election key's create revision), so a deposed controller's late write
 * fails instead of landing (KAFKA-6082).
 *
 * Work it does, each time the cluster snapshot changes while it is elected:
 * - answers every unanswered topic creation request, oldest first: TOPIC_ALREADY_EXISTS 36,
 *   INVALID_TOPIC_EXCEPTION 17 for a '.'/'_' collision, INVALID_REPLICATION_FACTOR 38 when the
 *   factor exceeds the live brokers; otherwise assigns replicas round-robin over the live
 *   brokers ({@link assignReplicas}) and creates the topic;
 * - writes the initial state of any partition left without one (a predecessor that died between
 *   the transactions of a topic larger than one transaction);
 * - every `leader.imbalance.check.interval.seconds` (with `auto.leader.rebalance.enable`), moves
 *   leadership back to preferred replicas that are live and in sync ({@link preferredLeaderMoves});
 * - elects leaders for partitions whose leader is not live and drops dead brokers from ISRs
 *   ({@link electPartitionState}), each by compare-and-swap on the partition key's revision: a
 *   leader that changed the ISR meanwhile makes the write stale, and the next pass decides again.
 *
 * Concurrency: event loop only; passes never overlap (a change during a pass schedules one more).
 */
export class Controller {
  private campaign: ControllerCampaign | null = null;
  private epoch: number | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private rebalanceTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: MetadataStore,
    private readonly nodeId: number,
    private readonly snapshot: () => ClusterSnapshot,
    private readonly logger: Logger,
    private readonly settings: ControllerSettings = DEFAULT_CONTROLLER_SETTINGS,
  ) {}

  /** The controller epoch while this broker is the elected controller, else null. */
  get controllerEpoch(): number | null {
    return this.epoch;
  }

  /**
   * Starts campaigning; returns at once (election happens in the background). One campaign at a
   * time: a lost one is resigned (its key must not outlive it, or it would hold the election for
   * a broker that no longer acts on it) and replaced once, however many errors it reports.
   */
  start(): void {
    if (this.closed || this.campaign !== null) return;
    const campaign: ControllerCampaign = this.store.campaign(this.nodeId, {
      onElected: (epoch) => {
        if (this.campaign !== campaign) return; // a campaign given up already
        this.epoch = epoch;
        this.logger.info({ controllerEpoch: epoch }, 'elected controller');
        this.onSnapshot();
        if (this.settings.autoLeaderRebalance && this.rebalanceTimer === null) {
          this.rebalanceTimer = setInterval(() => void this.rebalance().catch((err: unknown) => this.logger.warn({ err }, 'preferred leader rebalance failed')), this.settings.leaderImbalanceCheckIntervalMs);
          this.rebalanceTimer.unref();
        }
      },
      onLost: (err) => {
        if (this.campaign !== campaign) return; // its first error replaced it already
        const wasController = this.epoch !== null;
        this.epoch = null;
        if (this.rebalanceTimer !== null) clearInterval(this.rebalanceTimer);
        this.rebalanceTimer = null;
        this.campaign = null;
        this.logger.error({ err, wasController }, 'controller campaign lost; campaigning again');
        void campaign.resign().catch(() => undefined);
        if (!this.closed && this.retryTimer === null) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = null;
            this.start();
          }, RECAMPAIGN_DELAY_MS);
        }
      },
    });
    this.campaign = campaign;
  }

  /** Called on every new cluster snapshot: runs a pass if elected. */
  onSnapshot(): void {
    if (this.epoch === null || this.closed) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.logger.error({ err }, 'controller pass failed; retried on the next change'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.onSnapshot();
        }
      });
  }

  private async pass(): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null) return;
    const snapshot = this.snapshot();
    const pending = [...snapshot.topicRequests].filter(([, r]) => r.value.result === undefined).sort((a, b) => a[1].modRevision - b[1].modRevision);
    const createdNow = new Set<string>();
    for (const [key, request] of pending) {
      if (this.epoch !== epoch) return;
      await this.answer(epoch, snapshot, key, request, createdNow);
    }
    for (const [name, topic] of snapshot.topics) {
      for (let p = 0; p < topic.replicas.length; p++) {
        if (createdNow.has(name) || snapshot.partitions.has(partitionKey(name, p))) continue;
        const replicas = topic.replicas[p]!;
        await this.store.updatePartitionState(name, p, 0, initialState(replicas), epoch);
      }
    }
    await this.electLeaders(epoch, snapshot);
  }

  /** Writes every election or ISR cleanup the live brokers call for (see {@link electPartitionState}). */
  private async electLeaders(epoch: number, snapshot: ClusterSnapshot): Promise<void> {
    const live = new Set(snapshot.brokers.keys());
    for (const [name, topic] of snapshot.topics) {
      for (let p = 0; p < topic.replicas.length; p++) {
        if (this.epoch !== epoch) return;
        const current = snapshot.partitions.get(partitionKey(name, p));
        if (current === undefined) continue;
        const next = electPartitionState(current.value, topic.replicas[p]!, live, this.settings.uncleanLeaderElection);
        if (next === null) continue;
        const result = await this.store.updatePartitionState(name, p, current.modRevision, next, epoch);
        if (result.kind === 'ok') {
          const { leader, leaderEpoch, isr } = current.value;
          this.logger.info({ topic: name, partition: p, leader: next.leader, leaderEpoch: next.leaderEpoch, isr: next.isr, previous: { leader, leaderEpoch, isr } }, next.leader === -1 ? 'partition offline: no live in-sync replica' : leader === next.leader ? 'removed dead brokers from the ISR' : 'elected partition leader');
        }
      }
    }
  }

  private async answer(epoch: number, snapshot: ClusterSnapshot, key: string, request: Versioned<TopicCreationRequest>, createdNow: Set<string>): Promise<void> {
    const { topic, numPartitions, replicationFactor, configs } = request.value;
    const refuse = async (errorCode: number, message: string) => {
      await this.store.answerTopicRequest(epoch, key, request, errorCode, message);
      this.logger.info({ topic, errorCode, reason: message, requester: request.value.requester }, 'refused topic creation');
    };
    if (snapshot.topics.has(topic) || createdNow.has(topic)) return refuse(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic}' already exists.`);
    const normalized = topic.replaceAll('.', '_');
    const collision = [...snapshot.topics.keys(), ...createdNow].find((t) => t.replaceAll('.', '_') === normalized);
    if (collision !== undefined) return refuse(ErrorCode.INVALID_TOPIC_EXCEPTION, `collides with existing topic '${collision}' ('.' and '_' are alike)`);
    const live = [...snapshot.brokers.keys()];
    if (replicationFactor > live.length) {
      return refuse(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${live.length}.`);
    }
    const replicas = assignReplicas(live, numPartitions, replicationFactor);
    if (replicas === null) return refuse(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} is invalid.`);
    const result = await this.store.createTopic(epoch, key, request.modRevision, { name: topic, replicas, configs }, replicas.map(initialState));
    if (result.kind === 'ok') {
      createdNow.add(topic);
      this.logger.info({ topic, partitions: numPartitions, leaders: replicas.map((r) => r[0]), requester: request.value.requester }, 'created topic');
    }
  }

  /** Moves leaderships back to preferred replicas (see {@link preferredLeaderMoves}), each by fenced compare-and-swap. */
  private async rebalance(): Promise<void> {
    const epoch = this.epoch;
    if (epoch === null || this.closed) return;
    const snapshot = this.snapshot();
    const partitions = new Map<string, { replicas: readonly number[]; state: PartitionState; topic: string; partition: number; modRevision: number }>();
    for (const [name, topic] of snapshot.topics) {
      topic.replicas.forEach((replicas, p) => {
        const current = snapshot.partitions.get(partitionKey(name, p));
        if (current !== undefined) partitions.set(partitionKey(name, p), { replicas, state: current.value, topic: name, partition: p, modRevision: current.modRevision });
      });
    }
    const moves = preferredLeaderMoves(partitions, new Set(snapshot.brokers.keys()), this.settings.leaderImbalancePerBrokerPercentage);
    for (const [key, next] of moves) {
      if (this.epoch !== epoch) return;
      const { topic, partition, modRevision, state } = partitions.get(key)!;
      const result = await this.store.updatePartitionState(topic, partition, modRevision, next, epoch);
      if (result.kind === 'ok') this.logger.info({ topic, partition, leader: next.leader, previousLeader: state.leader, leaderEpoch: next.leaderEpoch }, 'moved leadership back to the preferred replica');
    }
  }

  /** Stops acting as controller and resigns (another broker takes over at once). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    if (this.rebalanceTimer !== null) clearInterval(this.rebalanceTimer);
    this.epoch = null;
    await this.running;
    await this.campaign?.resign().catch((err: unknown) => this.logger.warn({ err }, 'controller resign failed'));
  }
}

/** A new partition's state: the first replica leads, every replica is in sync, epochs start at 0. */
export function initialState(replicas: readonly number[]): PartitionState {
  return { leader: replicas[0]!, leaderEpoch: 0, isr: [...replicas], partitionEpoch: 0 };
}
